#include "unwind/table_builder.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace profbufd::unwind {

Result<std::unique_ptr<TableBuilder>> TableBuilder::create() {
  const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0)
    return make_error(ExitCode::kRuntime, "unwinder: eventfd", std::strerror(errno));
  return std::unique_ptr<TableBuilder>(new TableBuilder(fd));
}

TableBuilder::TableBuilder(int ready_fd) : ready_fd_(ready_fd) {
  thread_ = std::thread([this] { run(); });
}

TableBuilder::~TableBuilder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  ::close(ready_fd_);
}

void TableBuilder::submit(TableBuild b, Work work) {
  {
    std::lock_guard lock(mu_);
    job_.emplace(std::move(b), std::move(work));
  }
  busy_ = true;
  cv_.notify_one();
}

std::optional<TableBuilder::Done> TableBuilder::take() {
  std::uint64_t n;
  [[maybe_unused]] const ssize_t r = ::read(ready_fd_, &n, sizeof n);
  std::lock_guard lock(mu_);
  if (!done_) return std::nullopt;
  std::optional<Done> out = std::move(done_);
  done_.reset();
  busy_ = false;
  return out;
}

void TableBuilder::run() {
  for (;;) {
    std::pair<TableBuild, Work> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || job_.has_value(); });
      if (stopping_) return;
      job = std::move(*job_);
      job_.reset();
    }
    const auto t0 = std::chrono::steady_clock::now();
    Result<CfiTable> table = job.second();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now() - t0);
    {
      std::lock_guard lock(mu_);
      done_.emplace(Done{std::move(job.first), std::move(table),
                         static_cast<std::uint64_t>(ns.count())});
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t w = ::write(ready_fd_, &one, sizeof one);
  }
}

}  // namespace profbufd::unwind
