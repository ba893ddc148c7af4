// xz decompression of .gnu_debugdata (symbolize/xz.h), a section of the
// profiled binary: output and decoder memory stay capped.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "symbolize/xz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kCap = 1u << 20;
  const auto out = profbufd::symbolize::xz_decompress(profbufd::fuzz::text_of(data, size), kCap);
  if (out && out->size() > kCap) std::abort();
  return 0;
}
