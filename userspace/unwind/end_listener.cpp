#include "unwind/end_listener.h"

#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "unwind/walker_reports.h"

namespace profbufd::unwind {
namespace {

Error sys_error(const char* what, int err) {
  return make_error(ExitCode::kRuntime, std::string("exec and exit reports: ") + what,
                    std::strerror(err));
}

}  // namespace

Result<std::unique_ptr<EndListener>> EndListener::create(int events_fd,
                                                         std::shared_ptr<ProcessEnds> ends) {
  std::unique_ptr<EndListener> l(new EndListener(std::move(ends)));
  l->rb_ = ring_buffer__new(events_fd, &EndListener::on_event, l.get(), nullptr);
  if (l->rb_ == nullptr) return sys_error("ring_buffer__new", errno);
  l->stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (l->stop_fd_ < 0) return sys_error("eventfd", errno);
  l->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (l->epoll_fd_ < 0) return sys_error("epoll_create1", errno);
  for (int fd : {ring_buffer__epoll_fd(l->rb_), l->stop_fd_}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(l->epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return sys_error("epoll_ctl", errno);
  }
  return l;
}

EndListener::~EndListener() {
  stop();
  if (rb_ != nullptr) ring_buffer__free(rb_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void EndListener::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void EndListener::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t w = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ring_buffer__consume(rb_);  // what came before the stop
}

int EndListener::on_event(void* ctx, void* data, std::size_t size) {
  auto* self = static_cast<EndListener*>(ctx);
  if (size < sizeof(uw_event)) return 0;
  uw_event e;
  std::memcpy(&e, data, sizeof e);
  const auto end = end_of(e);
  if (!end) return 0;
  self->ends_->add(*end);
  return 0;
}

void EndListener::run() {
  for (;;) {
    epoll_event ev[2];
    const int n = epoll_wait(epoll_fd_, ev, 2, -1);
    if (n < 0 && errno != EINTR) return;
    for (int i = 0; i < n; ++i)
      if (ev[i].data.fd == stop_fd_) return;
    ring_buffer__consume(rb_);
  }
}

}  // namespace profbufd::unwind
