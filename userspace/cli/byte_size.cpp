#include "cli/byte_size.h"

#include <limits>

namespace profbufd::cli {
namespace {

Error size_error(std::string_view text, std::string why) {
  return make_error(ExitCode::kUsage, "size \"" + std::string(text) + "\"", std::move(why),
                    "write a whole number of bytes, optionally with K, M or G, e.g. 8M");
}

}  // namespace

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  std::string_view digits = text;
  unsigned shift = 0;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
      default: break;
    }
    if (shift != 0) digits.remove_suffix(1);
  }
  if (digits.empty()) return size_error(text, "not a number of bytes");
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (char c : digits) {
    if (c < '0' || c > '9') return size_error(text, "not a number of bytes");
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - d) / 10) return size_error(text, "too large");
    value = value * 10 + d;
  }
  if (value > (kMax >> shift)) return size_error(text, "too large");
  return value << shift;
}

std::string format_byte_size(std::uint64_t bytes) {
  constexpr std::uint64_t kK = 1ULL << 10, kM = 1ULL << 20, kG = 1ULL << 30;
  if (bytes != 0 && bytes % kG == 0) return std::to_string(bytes / kG) + "G";
  if (bytes != 0 && bytes % kM == 0) return std::to_string(bytes / kM) + "M";
  if (bytes != 0 && bytes % kK == 0) return std::to_string(bytes / kK) + "K";
  return std::to_string(bytes);
}

}  // namespace profbufd::cli
