#include "http/acceptor.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/log.h"
#include "http/endpoints.h"
#include "http/raw_response.h"
#include "http/refusals.h"
#include "http/request_head.h"

namespace profbufd::http {
namespace {

constexpr std::uint64_t kListenTag = 0;
constexpr std::uint64_t kWakeTag = 1;

// At most kAcceptBatch per wakeup: under a flood of connections, the waiting
// ones' bytes and deadlines still get their turn (epoll is level-triggered,
// so the rest are taken at the next turn).
constexpr int kAcceptBatch = 64;

bool watch(int epoll_fd, int fd, std::uint64_t tag, std::uint32_t events = EPOLLIN | EPOLLRDHUP) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

// Bytes left unread at close make the kernel answer with a reset, which may
// reach the client before it has read the refusal: take what is there.
void drain(int fd) {
  char buf[4096];
  for (int i = 0; i < 16; ++i)
    if (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) return;
}

void refuse(int fd, int status, std::string_view reason) {
  drain(fd);
  send_now(fd, raw_response(status, error_body(reason), "", true));
  // FIN after the answer, so a client that reads gets it before the end.
  ::shutdown(fd, SHUT_WR);
}

}  // namespace

Acceptor::Acceptor(int listen_fd, AcceptorLimits limits, Dispatch dispatch, Refused refused)
    : listen_fd_(listen_fd),
      limits_(limits),
      dispatch_(std::move(dispatch)),
      refused_(std::move(refused)) {}

Acceptor::~Acceptor() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int fd : {epoll_fd_, wake_fd_, reserve_fd_})
    if (fd >= 0) ::close(fd);
}

Status Acceptor::start() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int flags = ::fcntl(listen_fd_, F_GETFL);
  if (epoll_fd_ < 0 || wake_fd_ < 0 || flags < 0 ||
      ::fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK) != 0 ||
      !watch(epoll_fd_, listen_fd_, kListenTag) || !watch(epoll_fd_, wake_fd_, kWakeTag)) {
    return make_error(ExitCode::kRuntime, "http: accepting connections", std::strerror(errno),
                      "check the limits on open files (ulimit -n)");
  }
  thread_ = std::thread(&Acceptor::run, this);
  return ok_status();
}

void Acceptor::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
}

void Acceptor::give_back(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      // Shutting down: what fits in the socket now (a 503 does), then closed.
      send_now(conn->fd, conn->out);
      return;
    }
    returned_.push_back(std::move(conn));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Acceptor::run() {
  std::array<epoll_event, 64> events;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                               deadlines_.wait_ms(Clock::now()));
    if (n < 0 && errno != EINTR) {
      log::error(std::string("http: epoll_wait: ") + std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      if (tag == kListenTag) {
        accept_all();
      } else if (tag == kWakeTag) {
        std::uint64_t count;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof count);
        take_returned();
      } else {
        on_event(tag);
      }
    }
    on_deadlines();
  }
  // Under mu_, so that no give_back() queues a connection after this.
  std::vector<std::unique_ptr<Connection>> late;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    late.swap(returned_);
  }
  for (auto& conn : late) send_now(conn->fd, conn->out);
  for (auto& [id, conn] : waiting_) {
    if (conn->flushing) send_now(conn->fd, std::string_view(conn->out).substr(conn->out_sent));
  }
  waiting_.clear();
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void Acceptor::accept_all() {
  for (int i = 0; i < kAcceptBatch; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && accept_on_reserve()) continue;
      return;  // EAGAIN: none left; other errors: retried at the next event
    }
    if (open_ >= limits_.max_connections) {
      refuse_over_limit(fd);
      continue;
    }
    ++open_;
    open_count_.store(open_, std::memory_order_relaxed);
    wait_for_request(std::make_unique<Connection>(fd, next_id_++));
  }
}

void Acceptor::refuse_over_limit(int fd) {
  refuse(fd, 503,
         "too many connections open (" + std::to_string(limits_.max_connections) +
             ", --http-max-connections); retry later");
  ::close(fd);
  if (refused_) refused_(kRefusedConnectionLimit);
}

// Out of file descriptors: the pending connection would make the listening
// socket readable for ever (a busy loop). Free the reserve, take the
// connection, close it, take the reserve again.
bool Acceptor::accept_on_reserve() {
  if (reserve_fd_ < 0) return false;
  ::close(reserve_fd_);
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (refused_) refused_(kRefusedFdLimit);
  return true;
}

void Acceptor::wait_for_request(std::unique_ptr<Connection> conn) {
  if (!watch(epoll_fd_, conn->fd, conn->id)) {
    close_conn(std::move(conn));
    return;
  }
  deadlines_.arm(conn->id, Clock::now() + limits_.header_timeout);
  const std::uint64_t id = conn->id;
  waiting_.emplace(id, std::move(conn));
}

void Acceptor::on_event(std::uint64_t id) {
  const auto it = waiting_.find(id);
  if (it == waiting_.end()) return;
  std::unique_ptr<Connection> conn = std::move(it->second);
  waiting_.erase(it);
  if (conn->flushing) {
    flush(std::move(conn));
  } else {
    read_request(std::move(conn));
  }
}

void Acceptor::read_request(std::unique_ptr<Connection> conn) {
  Connection& c = *conn;
  const std::size_t limit = limits_.max_head_bytes + limits_.max_body_bytes;
  bool eof = false;
  char buf[4096];
  while (c.in.size() < limit) {
    const ssize_t n = ::recv(c.fd, buf, std::min(sizeof buf, limit - c.in.size()), 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    break;
  }
  check_request(std::move(conn), eof);
}

// Hands the connection on when a whole request is in, else keeps waiting.
void Acceptor::check_request(std::unique_ptr<Connection> conn, bool eof) {
  const HeadScan scan = scan_request_head(conn->in, limits_.max_head_bytes, limits_.max_body_bytes);
  if (scan.state == HeadScan::State::kComplete) {
    deadlines_.disarm(conn->id);
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn->fd, nullptr);
    dispatch_(std::move(conn));
  } else if (scan.state == HeadScan::State::kTooLarge) {
    refuse(conn->fd, 431,
           "request head larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
    if (refused_) refused_(kRefusedHeaderTooLarge);
    close_conn(std::move(conn));
  } else if (eof) {
    close_conn(std::move(conn));
  } else {
    const std::uint64_t id = conn->id;
    waiting_.emplace(id, std::move(conn));
  }
}

void Acceptor::on_deadlines() {
  for (const std::uint64_t id : deadlines_.expire(Clock::now())) {
    const auto it = waiting_.find(id);
    if (it == waiting_.end()) continue;
    std::unique_ptr<Connection> conn = std::move(it->second);
    waiting_.erase(it);
    if (conn->flushing) {
      // The client did not take the whole response in time.
      if (refused_) refused_(kRefusedResponseTimeout);
      close_conn(std::move(conn));
      continue;
    }
    // A kept-alive connection with nothing of a next request is just idle.
    if (conn->served == 0 || !conn->in.empty()) {
      refuse(conn->fd, 408,
             "request head not received within " + std::to_string(limits_.header_timeout.count()) +
                 " ms");
      if (refused_) refused_(kRefusedHeaderTimeout);
    }
    close_conn(std::move(conn));
  }
}

void Acceptor::take_returned() {
  std::vector<std::unique_ptr<Connection>> back;
  {
    std::lock_guard lock(mu_);
    back.swap(returned_);
  }
  for (auto& conn : back) {
    if (conn->out.empty()) {
      after_response(std::move(conn));
      continue;
    }
    conn->flushing = true;
    deadlines_.arm(conn->id, Clock::now() + limits_.write_timeout);
    flush(std::move(conn));  // most responses fit in the socket buffer at once
  }
}

// Writes what the socket takes now; waits for EPOLLOUT for the rest.
void Acceptor::flush(std::unique_ptr<Connection> conn) {
  Connection& c = *conn;
  while (c.out_sent < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      close_conn(std::move(conn));  // the client is gone
      return;
    }
  }
  if (c.out_sent < c.out.size()) {
    const std::uint64_t id = c.id;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    if (!watch(epoll_fd_, c.fd, id, EPOLLOUT)) {
      close_conn(std::move(conn));
      return;
    }
    waiting_.emplace(id, std::move(conn));
    return;
  }
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);  // no-op when not watched
  c.out.clear();
  c.out_sent = 0;
  c.flushing = false;
  deadlines_.disarm(c.id);
  after_response(std::move(conn));
}

// The response is written: close, or wait for the next request, which may
// be buffered already (pipelined); the socket's own bytes are reported by
// epoll (level-triggered) as for any other.
void Acceptor::after_response(std::unique_ptr<Connection> conn) {
  if (!conn->keep_alive) {
    close_conn(std::move(conn));
    return;
  }
  Connection& c = *conn;
  wait_for_request(std::move(conn));
  if (c.in.empty()) return;
  const auto it = waiting_.find(c.id);
  if (it == waiting_.end()) return;
  std::unique_ptr<Connection> again = std::move(it->second);
  waiting_.erase(it);
  check_request(std::move(again), false);
}

void Acceptor::close_conn(std::unique_ptr<Connection> conn) {
  deadlines_.disarm(conn->id);
  conn.reset();  // closing the fd also removes it from the epoll set
  --open_;
  open_count_.store(open_, std::memory_order_relaxed);
}

}  // namespace profbufd::http
