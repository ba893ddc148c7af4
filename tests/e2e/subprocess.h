// Running programs from end-to-end tests: start with arguments, read stdout,
// wait with a deadline, signal. Test-only; failures abort the test via gtest.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace profbufd::e2e {

class Subprocess {
 public:
  // Starts argv[0] (a path) with stdout and stderr captured into one pipe each.
  explicit Subprocess(std::vector<std::string> argv, std::vector<std::string> extra_env = {}) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    for (auto& e : extra_env) env_store.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  ~Subprocess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }

  // Reads one line of stdout (without the newline), waiting up to `timeout`.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = out_.find('\n'); nl != std::string::npos) {
        std::string line = out_.substr(0, nl);
        out_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !pump(out_fd_, out_, static_cast<int>(left.count())))
        return {};
    }
  }

  void signal(int sig) { kill(pid_, sig); }

  // Reads stderr until it contains `text` or `timeout` passes; true if found.
  bool wait_for_stderr(const std::string& text,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (err_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > until) return false;
      pump(err_fd_, err_, 50);
    }
    return true;
  }

  // Waits for exit, reading all output; returns the exit status (128 + signal
  // if killed), or -1 on timeout (the process is then killed).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      pump(out_fd_, out_, 0);
      pump(err_fd_, err_, 0);
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() > until) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        reaped_ = true;
        return -1;
      }
      pump(out_fd_, out_, 20);
    }
    reaped_ = true;
    while (pump(out_fd_, out_, 0)) {
    }
    while (pump(err_fd_, err_, 0)) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Appends what is readable within timeout_ms; false at EOF or nothing read.
  static bool pump(int fd, std::string& into, int timeout_ms) {
    if (fd < 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[65536];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
};

// Runs a command to completion and returns {exit status, stdout, stderr}.
struct RunResult {
  int status;
  std::string out, err;
};
inline RunResult run(std::vector<std::string> argv, std::vector<std::string> env = {},
                     std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  Subprocess p(std::move(argv), std::move(env));
  if (!p.started()) return {-1, "", "could not start"};
  const int st = p.wait(timeout);
  return {st, p.out(), p.err()};
}

}  // namespace profbufd::e2e
