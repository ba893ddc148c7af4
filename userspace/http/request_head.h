// Whether the bytes a client has sent so far hold a whole request: the head
// (request line and header lines, up to the empty line) and, when the head
// announces one with Content-Length, the body.
//
// The acceptor (http/acceptor.h) calls this after every read of a connection
// that is waiting for a request, and hands the connection to a worker only
// once the answer is kComplete: a client that sends nothing, or one byte at
// a time, costs the acceptor a buffer and a deadline, never a worker thread.
//
// It finds the end of the head and reads Content-Length; it does not check
// the request otherwise: cpp-httplib parses the same bytes again on the
// worker and answers malformed requests (400, 413, 414) itself.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace profbufd::http {

struct HeadScan {
  enum class State {
    kIncomplete,  // wait for more bytes
    kComplete,    // bytes [0, request_bytes) are the request; serve it
    kTooLarge,    // no end of head within max_head bytes: refuse (431)
  };
  State state = State::kIncomplete;
  // With kComplete: head plus the announced body, when the body is at most
  // max_body bytes; head only when it is larger or sent chunked (cpp-httplib
  // then refuses or reads it under the worker's read deadline).
  std::size_t request_bytes = 0;
};

// `data`: every byte received since the previous request ended. Line ends
// are CRLF or a bare LF, as cpp-httplib accepts; the first empty line ends
// the head (a request that starts with one is then cpp-httplib's 400).
HeadScan scan_request_head(std::string_view data, std::size_t max_head, std::size_t max_body);

// The value of the first header line called `name` in `head` (names compare
// ignoring case), without surrounding blanks; nullopt when there is none.
std::optional<std::string_view> header_value(std::string_view head, std::string_view name);

// Content-Length as a number; nullopt when absent or not a plain decimal
// number.
std::optional<std::size_t> content_length(std::string_view head);

// True when the end of the body is known from `head` alone and lies within
// max_body bytes: no body, or a Content-Length of at most max_body, and no
// Transfer-Encoding. Then scan_request_head's request_bytes cover the body,
// and whatever follows is the next request.
bool body_within(std::string_view head, std::size_t max_body);

// The request line's method and path (its target up to any '?'); empty
// views for what is missing.
struct RequestLine {
  std::string_view method;
  std::string_view path;
};
RequestLine request_line(std::string_view head);

}  // namespace profbufd::http
