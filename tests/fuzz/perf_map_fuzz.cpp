// A JIT's /tmp/perf-PID.map (symbolize/perf_map.h), written by the profiled
// process: hostile by design. Parsed with small limits so that the cuts
// (entries, names, read tail) are reached, then read back through a file
// descriptor as the cache reads it, and looked up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "symbolize/perf_map.h"

using namespace profbufd::symbolize;

namespace {

void check(const PerfMap& map, const PerfMapLimits& limits, std::string_view text) {
  // max_entries bounds the lines kept; painting overlapping ones (a later line
  // over the middle of an earlier one) splits them, up to 2n - 1 entries.
  if (map.size() > 2 * limits.max_entries - 1) std::abort();
  // Probe a few addresses taken from the input itself and around them.
  for (std::size_t i = 0; i + 8 <= text.size() && i < 64; i += 8) {
    std::uint64_t addr = 0;
    for (std::size_t b = 0; b < 8; ++b) addr = addr << 8 | static_cast<unsigned char>(text[i + b]);
    const auto s = map.find(addr);
    if (s && (addr < s->start || addr >= s->end || s->name.size() > limits.max_name_bytes)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = profbufd::fuzz::text_of(data, size);
  const PerfMapLimits small{.max_read_bytes = 1024, .max_entries = 16, .max_name_bytes = 24};
  check(PerfMap::parse(text), PerfMapLimits{}, text);
  check(PerfMap::parse(text, small), small, text);
  const profbufd::Fd fd = profbufd::fuzz::memfd_of(text);
  const auto read = PerfMap::read_fd(fd.get(), size, small);
  if (!read) std::abort();  // a readable file never fails
  check(*read, small, text);
  return 0;
}
