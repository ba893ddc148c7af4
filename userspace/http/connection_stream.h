// cpp-httplib's view of a Connection while a worker answers one request: the
// bytes the acceptor already buffered first, then the socket itself.
//
// No call waits for the client past one deadline per request (cpp-httplib's
// own SocketStream waits its timeout again on every read and write, so a
// client sending or reading one byte per timeout holds a worker for ever):
// - reads end at `read_deadline`. The acceptor hands over a request only once
//   its head and announced body are buffered, so a worker reads the socket
//   only for bodies it refuses (too large, chunked) and stops at the deadline;
//   then the call fails (-1) and the stream is broken;
// - writes never wait: they go to conn.out, which the acceptor writes to the
//   socket as the client takes it, under its own deadline.
#pragma once

#include "http/cpp_httplib.h"

#include <chrono>

#include "http/connection.h"

namespace profbufd::http {

class ConnectionStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionStream(Connection& conn, Clock::time_point read_deadline);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return conn_.fd; }

  // Drops the buffered bytes reads consumed, and at least the first
  // `request_bytes` (a body cpp-httplib left unread, as it does for GET), so
  // that conn.in starts with the next (pipelined) request. Call once the
  // request is answered.
  void consume_read_bytes(std::size_t request_bytes = 0);
  // A deadline passed or the socket failed: do not reuse the connection.
  bool broken() const { return broken_; }

 private:
  bool wait_for(short events, Clock::time_point deadline) const;

  Connection& conn_;
  const Clock::time_point read_deadline_;
  std::size_t consumed_ = 0;                         // of conn_.in
  bool broken_ = false;
};

}  // namespace profbufd::http
