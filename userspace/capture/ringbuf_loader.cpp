#include "capture/ringbuf_loader.h"

#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace profbufd::capture {
namespace {

Error sys_error(const char* what, int err) {
  return make_error(ExitCode::kRuntime, std::string("ringbuf loader: ") + what,
                    std::strerror(err));
}

}  // namespace

RingbufLoader::RingbufLoader(SampleRouter& router, std::chrono::milliseconds period)
    : router_(router), period_(period) {}

Result<std::unique_ptr<RingbufLoader>> RingbufLoader::create(
    int ringbuf_map_fd, SampleRouter& router, std::chrono::milliseconds period) {
  std::unique_ptr<RingbufLoader> l(new RingbufLoader(router, period));
  l->rb_ = ring_buffer__new(ringbuf_map_fd, &RingbufLoader::on_record, l.get(), nullptr);
  if (l->rb_ == nullptr) return sys_error("ring_buffer__new", errno);
  l->stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (l->stop_fd_ < 0) return sys_error("eventfd", errno);
  l->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (l->epoll_fd_ < 0) return sys_error("epoll_create1", errno);
  // libbpf's epoll fd becomes readable when the ring has data and the kernel
  // woke it (FORCE_WAKEUP); an epoll fd can sit inside another epoll set.
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = ring_buffer__epoll_fd(l->rb_);
  if (epoll_ctl(l->epoll_fd_, EPOLL_CTL_ADD, ev.data.fd, &ev) != 0)
    return sys_error("epoll_ctl(ringbuf)", errno);
  ev.data.fd = l->stop_fd_;
  if (epoll_ctl(l->epoll_fd_, EPOLL_CTL_ADD, l->stop_fd_, &ev) != 0)
    return sys_error("epoll_ctl(eventfd)", errno);
  return l;
}

RingbufLoader::~RingbufLoader() {
  stop();
  close_fds();
}

void RingbufLoader::close_fds() {
  if (rb_ != nullptr) ring_buffer__free(rb_);
  rb_ = nullptr;
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  epoll_fd_ = stop_fd_ = -1;
}

int RingbufLoader::on_record(void* ctx, void* data, std::size_t size) {
  auto* self = static_cast<RingbufLoader*>(ctx);
  self->router_.route(std::span<const std::byte>(static_cast<const std::byte*>(data), size));
  return 0;  // keep consuming: a bad record is counted by the router, not fatal
}

void RingbufLoader::start() {
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { run(); });
}

void RingbufLoader::run() {
  epoll_event events[2];
  const int timeout_ms = static_cast<int>(period_.count());
  for (;;) {
    const int n = epoll_wait(epoll_fd_, events, 2, timeout_ms);
    if (n < 0 && errno != EINTR) {
      // Should not happen with valid fds. Stop the loop rather than spin; the
      // final drain in stop() still runs, and the errno surfaces in stats.
      failed_errno_.store(errno, std::memory_order_relaxed);
      return;
    }
    bool stop = false;
    for (int i = 0; i < n; ++i) stop |= events[i].data.fd == stop_fd_;
    // Consume whether woken by the kernel, the timer or stop(): with
    // NO_WAKEUP submits, the timer is the ordinary path.
    const int rc = ring_buffer__consume(rb_);
    if (rc < 0) failed_errno_.store(-rc, std::memory_order_relaxed);
    drains_.store(drains_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (stop) return;
  }
}

void RingbufLoader::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    // Cannot fail short of a counter overflow (2^64 - 1 writes).
    [[maybe_unused]] const ssize_t w = ::write(stop_fd_, &one, sizeof(one));
    thread_.join();
  }
  drain_now();
}

void RingbufLoader::drain_now() {
  if (thread_.joinable() || rb_ == nullptr) return;
  const int rc = ring_buffer__consume(rb_);
  if (rc < 0) failed_errno_.store(-rc, std::memory_order_relaxed);
}

}  // namespace profbufd::capture
