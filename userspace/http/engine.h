// cpp-httplib's request handling without its connection handling: routing,
// handlers, error and exception handlers, logger and response writing for
// one request read from any httplib::Stream, so that the acceptor
// (http/acceptor.h) and the workers, not cpp-httplib's own loop, decide when
// a connection gets a thread. process_request() is protected in cpp-httplib
// 0.11 (Debian 12); a subclass is its supported way in.
#pragma once

#include "http/cpp_httplib.h"

namespace profbufd::http {

class Engine final : public httplib::Server {
 public:
  // Reads one request from `strm` and writes its response. `close`: answer
  // with "Connection: close". Sets `client_closes` when the request asked
  // for the connection to end (Connection: close, HTTP/1.0). False when the
  // request could not be read or the response not written.
  bool serve(httplib::Stream& strm, bool close, bool& client_closes) {
    return process_request(strm, close, client_closes, nullptr);
  }

  // The socket bind_to_port() created, now the caller's (cpp-httplib's
  // accept loop, never started, will not touch it).
  int take_listening_socket() { return svr_sock_.exchange(INVALID_SOCKET); }
};

}  // namespace profbufd::http
