#include "http/raw_response.h"

#include <sys/socket.h>

#include <cerrno>

#include "http/server.h"

namespace profbufd::http {
namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

}  // namespace

std::string raw_response(int status, std::string_view body, std::string_view extra_headers,
                         bool close, bool head_only) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " ";
  r += reason_phrase(status);
  r += "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
  r += std::to_string(body.size());
  r += "\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: ";
  r += kContentSecurityPolicy;
  r += "\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n";
  r += extra_headers;
  if (close) r += "Connection: close\r\n";
  r += "\r\n";
  if (!head_only) r += body;
  return r;
}

void send_now(int fd, std::string_view response) {
  while (!response.empty()) {
    const ssize_t n = ::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    response.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace profbufd::http
