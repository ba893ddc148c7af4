#include "symbolize/xz.h"

#include <lzma.h>

#include <algorithm>
#include <cstdint>

namespace profbufd::symbolize {

std::optional<std::string> xz_decompress(std::string_view in, std::size_t max_out) {
  constexpr std::uint64_t kDecoderMemory = 64u << 20;
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, kDecoderMemory, 0) != LZMA_OK) return std::nullopt;
  std::string out;
  s.next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  s.avail_in = in.size();
  lzma_ret r = LZMA_OK;
  while (r == LZMA_OK) {
    const std::size_t at = out.size();
    if (at >= max_out) {
      // Full. Only the stream's index and footer may be left: STREAM_END then;
      // if it still has data to give, it is a bomb or not symbols.
      s.next_out = nullptr;
      s.avail_out = 0;
      r = lzma_code(&s, LZMA_FINISH);
      break;
    }
    out.resize(std::min(max_out, std::max<std::size_t>(at * 2, 64 * 1024)));
    s.next_out = reinterpret_cast<std::uint8_t*>(out.data() + at);
    s.avail_out = out.size() - at;
    r = lzma_code(&s, LZMA_FINISH);
    out.resize(out.size() - s.avail_out);
  }
  lzma_end(&s);
  if (r != LZMA_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace profbufd::symbolize
