// Whole HTTP/1.1 responses written without cpp-httplib, for the answers given
// before a request reaches it: the acceptor's refusals (503, 408, 431) and
// the 405 for methods other than GET. They carry the same security headers as
// every other response (server.h) and a one-line text body (error_body).
#pragma once

#include <string>
#include <string_view>

namespace profbufd::http {

// `status` with its reason phrase, Content-Type text/plain, Content-Length,
// the security headers, `extra_headers` (each "Name: value\r\n"), then
// "Connection: close" when `close`; the body unless `head_only` (HEAD).
std::string raw_response(int status, std::string_view body, std::string_view extra_headers,
                         bool close, bool head_only = false);

// Writes `response` to a non-blocking socket without waiting: what does not
// fit in the socket buffer now is dropped (the connection is closed next).
void send_now(int fd, std::string_view response);

}  // namespace profbufd::http
