#include "http/connection_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace profbufd::http {
namespace {

void address_of(const sockaddr_storage& a, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    inet_ntop(AF_INET, &v4.sin_addr, buf, sizeof buf);
    port = ntohs(v4.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    inet_ntop(AF_INET6, &v6.sin6_addr, buf, sizeof buf);
    port = ntohs(v6.sin6_port);
  }
  ip = buf;
}

}  // namespace

ConnectionStream::ConnectionStream(Connection& conn, Clock::time_point read_deadline)
    : conn_(conn), read_deadline_(read_deadline) {}

// Waits until the socket is ready for `events` or `deadline` passes.
bool ConnectionStream::wait_for(short events, Clock::time_point deadline) const {
  for (;;) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return false;
    pollfd p{conn_.fd, events, 0};
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(ms, 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

bool ConnectionStream::is_readable() const {
  return consumed_ < conn_.in.size() || wait_for(POLLIN, read_deadline_);
}

bool ConnectionStream::is_writable() const { return true; }

ssize_t ConnectionStream::read(char* ptr, std::size_t size) {
  if (consumed_ < conn_.in.size()) {
    const std::size_t n = std::min(size, conn_.in.size() - consumed_);
    std::memcpy(ptr, conn_.in.data() + consumed_, n);
    consumed_ += n;
    return static_cast<ssize_t>(n);
  }
  for (;;) {
    if (!wait_for(POLLIN, read_deadline_)) break;
    const ssize_t n = ::recv(conn_.fd, ptr, size, 0);
    if (n > 0) return n;
    if (n == 0) break;  // the client closed its side
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) break;
  }
  broken_ = true;
  return -1;
}

ssize_t ConnectionStream::write(const char* ptr, std::size_t size) {
  conn_.out.append(ptr, size);
  return static_cast<ssize_t>(size);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  port = 0;
  ip.clear();
  if (::getpeername(conn_.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  port = 0;
  ip.clear();
  if (::getsockname(conn_.fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
}

void ConnectionStream::consume_read_bytes(std::size_t request_bytes) {
  conn_.in.erase(0, std::max(consumed_, request_bytes));
  consumed_ = 0;
}

}  // namespace profbufd::http
