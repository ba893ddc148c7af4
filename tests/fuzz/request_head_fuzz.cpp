// What the acceptor reads of every client's bytes before a worker sees them:
// the end of the head, Content-Length, the request line, and the 405 it
// answers for other methods (http/request_head.h, http/method_gate.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "http/method_gate.h"
#include "http/request_head.h"
#include "http/server.h"

using namespace profbufd::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = profbufd::fuzz::text_of(data, size);
  const HeadScan scan = scan_request_head(bytes, kMaxHeadBytes, kMaxBodyBytes);
  if (scan.state != HeadScan::State::kComplete) return 0;
  // The request lies inside what was received: the acceptor drops exactly
  // these bytes and keeps the rest as the next request.
  if (scan.request_bytes == 0 || scan.request_bytes > bytes.size()) std::abort();
  const std::string_view head = bytes.substr(0, scan.request_bytes);
  (void)header_value(head, "Host");
  (void)content_length(head);
  (void)body_within(head, kMaxBodyBytes);
  const RequestLine line = request_line(head);
  if (line.path.size() > head.size() || line.method.size() > head.size()) std::abort();
  for (const bool close : {false, true}) {
    const auto refusal = refuse_method(bytes, kMaxHeadBytes, kMaxBodyBytes, close);
    if (refusal && refusal->request_bytes > bytes.size()) std::abort();
  }
  return 0;
}
