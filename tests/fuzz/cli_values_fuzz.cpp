// The values flags and the config file take: Go durations (--duration 1m30s),
// byte sizes (--ringbuf-size 64MiB) and HOST:PORT (--http-listen). The first
// byte picks the parser; the rest is the value. A value that parses must
// print back into one that parses to the same thing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "cli/byte_size.h"
#include "cli/duration.h"
#include "fuzz_input.h"
#include "http/listen_address.h"

using namespace profbufd;

namespace {

void duration(std::string_view text) {
  const auto d = cli::parse_duration(text);
  if (!d) return;
  const auto again = cli::parse_duration(cli::format_duration(*d));
  if (!again || *again != *d) std::abort();
}

void byte_size(std::string_view text) {
  const auto b = cli::parse_byte_size(text);
  if (!b) return;
  (void)cli::format_byte_size(*b);
}

void listen(std::string_view text) {
  const auto a = http::parse_listen_address(text);
  if (!a) return;
  const auto again = http::parse_listen_address(http::format_listen_address(*a));
  if (!again) std::abort();
  (void)http::is_loopback_address(a->host);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view value = fuzz::text_of(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: duration(value); break;
    case 1: byte_size(value); break;
    default: listen(value); break;
  }
  return 0;
}
