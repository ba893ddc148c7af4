// One accepted TCP connection, owned by exactly one thread at a time: the
// acceptor while it waits for a request (http/acceptor.h), then the worker
// that answers it, then the acceptor again to write the response and wait
// for the next request. Handing the
// unique_ptr over is the only synchronization it needs.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace profbufd::http {

struct Connection {
  Connection(int socket, std::uint64_t conn_id) : fd(socket), id(conn_id) {}
  ~Connection() {
    if (fd >= 0) ::close(fd);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const int fd;  // non-blocking; closed with the object
  const std::uint64_t id;
  // Bytes received and not yet consumed by a request: the request being
  // read, and whatever the client pipelined after it.
  std::string in;
  // The response a worker produced, written by the acceptor as the client
  // takes it (workers never wait for a client).
  std::string out;
  std::size_t out_sent = 0;  // bytes of `out` written so far
  bool flushing = false;     // the acceptor is writing `out`
  std::size_t served = 0;  // responses answered on this connection
  // Set by the worker: the connection may carry another request.
  bool keep_alive = false;
};

}  // namespace profbufd::http
