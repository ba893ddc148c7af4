#include "http/method_gate.h"

#include <algorithm>
#include <cctype>

#include "http/endpoints.h"
#include "http/raw_response.h"
#include "http/request_head.h"

namespace profbufd::http {
namespace {

// A method name fit to quote in the one-line body: a short token of
// letters (what HTTP methods are), else nothing.
bool quotable(std::string_view method) {
  return !method.empty() && method.size() <= 16 &&
         std::all_of(method.begin(), method.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
         });
}

bool contains_ignoring_case(std::string_view text, std::string_view word) {
  const auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  return std::search(text.begin(), text.end(), word.begin(), word.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

// As cpp-httplib decides for the requests it answers: "Connection: close",
// or HTTP/1.0 without "Connection: keep-alive".
bool client_closes(std::string_view head) {
  const std::string_view connection = header_value(head, "Connection").value_or("");
  if (contains_ignoring_case(connection, "close")) return true;
  const std::string_view first = head.substr(0, head.find('\n'));
  return first.find("HTTP/1.0") != std::string_view::npos &&
         !contains_ignoring_case(connection, "keep-alive");
}

}  // namespace

std::optional<MethodRefusal> refuse_method(std::string_view buffered, std::size_t max_head,
                                           std::size_t max_body, bool close) {
  const RequestLine line = request_line(buffered);
  if (line.method == "GET") return std::nullopt;
  const HeadScan scan = scan_request_head(buffered, max_head, max_body);
  const std::string_view head = buffered.substr(0, scan.request_bytes);
  // Only a body whose end is known and buffered can be skipped; a chunked
  // one, an unreadable length or one past max_body ends the connection.
  const bool body_known = body_within(head, max_body);
  MethodRefusal r;
  r.path = line.path;
  r.keep_alive =
      body_known && !close && !client_closes(head) && scan.state == HeadScan::State::kComplete;
  r.request_bytes = scan.request_bytes;
  const std::string what = quotable(line.method) ? "method " + std::string(line.method) : "method";
  r.response = raw_response(405, error_body(what + " not allowed (use GET)"), "Allow: GET\r\n",
                            !r.keep_alive, line.method == "HEAD");
  return r;
}

}  // namespace profbufd::http
