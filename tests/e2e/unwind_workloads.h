// Processes the unwinder's tests profile: the fixtures of
// tests/programs/unwind_nofp.c, and Debian's own programs, compressors fed an
// endless stream so that one process (one pid) stays busy for as long as the
// test needs, whatever the machine's speed.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "subprocess.h"

extern char** environ;

namespace profbufd::e2e::unwind {

// tests/programs/unwind_nofp MODE ARGS..., running until killed.
struct Fixture {
  explicit Fixture(std::vector<std::string> args)
      : proc([&] {
          std::vector<std::string> argv{build_dir() + "/tests/programs/unwind_nofp"};
          argv.insert(argv.end(), args.begin(), args.end());
          return argv;
        }()) {
    std::sscanf(proc.read_line().c_str(), "pid %d", &pid);
  }
  Subprocess proc;
  pid_t pid = -1;
};

// `bytes` of text that compresses like text (words from a small vocabulary, in
// a fixed pseudo-random order): the same every run.
inline std::string generated_text(std::size_t bytes) {
  std::vector<std::string> words;
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  auto next = [&x] { return (x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  for (int i = 0; i < 4096; ++i) {
    std::string w;
    for (std::uint64_t n = 2 + next() % 8; n > 0; --n) w += static_cast<char>('a' + next() % 16);
    words.push_back(w);
  }
  std::string text;
  text.reserve(bytes + 64);
  for (int col = 0; text.size() < bytes; ++col) {
    text += words[next() % words.size()];
    text += col % 12 == 11 ? '\n' : ' ';
  }
  return text;
}

// A program reading `data` on stdin over and over (from a socket, so that a
// writer never gets SIGPIPE), writing to /dev/null; killed on destruction.
class FedProgram {
 public:
  FedProgram(std::vector<std::string> argv, std::string data) : data_(std::move(data)) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    fd_ = sv[0];
    writer_ = std::thread([this] { feed(); });
  }
  ~FedProgram() {
    stop_ = true;
    if (pid_ > 0) kill(pid_, SIGKILL);
    shutdown(fd_, SHUT_RDWR);
    if (writer_.joinable()) writer_.join();
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    if (fd_ >= 0) close(fd_);
  }
  FedProgram(const FedProgram&) = delete;
  FedProgram& operator=(const FedProgram&) = delete;
  pid_t pid() const { return pid_; }

 private:
  void feed() {
    while (!stop_) {
      for (std::size_t off = 0; off < data_.size() && !stop_;) {
        const ssize_t n = send(fd_, data_.data() + off, data_.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
      }
    }
  }

  std::string data_;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread writer_;
};

// One line of /proc/PID/maps.
struct Mapping {
  std::uint64_t start = 0, end = 0, offset = 0;
  std::string path;
};

inline std::vector<Mapping> read_maps(pid_t pid) {
  std::vector<Mapping> v;
  std::ifstream f("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(f, line)) {
    Mapping m;
    char perms[8] = {}, path[4096] = {};
    unsigned long long s = 0, e = 0, off = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s %4095[^\n]", &s, &e, perms, &off,
                    path) < 4)
      continue;
    m.start = s;
    m.end = e;
    m.offset = off;
    m.path = path;
    v.push_back(m);
  }
  return v;
}

}  // namespace profbufd::e2e::unwind
