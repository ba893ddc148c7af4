// Byte counts on the command line (--ringbuf-size): a whole number with an
// optional binary suffix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace profbufd::cli {

// "4096", "64K", "8M", "1G" (suffixes case-insensitive; K = 1024, M = 1024^2,
// G = 1024^3: ring buffer sizes are powers of two, so decimal multiples would
// never be valid). Errors are ExitCode::kUsage with what = `size "<text>"`;
// callers that know the flag name replace `what` and `hint`.
Result<std::uint64_t> parse_byte_size(std::string_view text);

// The shortest exact spelling parse_byte_size reads back: "8M", "4K", "1000".
std::string format_byte_size(std::uint64_t bytes);

}  // namespace profbufd::cli
