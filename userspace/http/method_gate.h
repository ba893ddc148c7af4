// GET only, on every path: the 405 a request with any other method gets,
// decided from its buffered bytes before cpp-httplib sees it. cpp-httplib
// would read a body first (and wait its read timeout for one a POST without
// Content-Length never sends), and rejects methods it does not know (FOO)
// as a 400.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace profbufd::http {

struct MethodRefusal {
  std::string response;   // the whole 405 response to write
  std::string_view path;  // of the request line, for endpoint_label
  // The body is known and buffered (none, or Content-Length within
  // max_body): drop request_bytes and the connection may go on. Otherwise
  // the response says Connection: close.
  bool keep_alive = false;
  std::size_t request_bytes = 0;
};

// `buffered` starts with a complete request head (HeadScan kComplete).
// nullopt for GET. `close`: the connection ends after this response anyway.
std::optional<MethodRefusal> refuse_method(std::string_view buffered, std::size_t max_head,
                                           std::size_t max_body, bool close);

}  // namespace profbufd::http
