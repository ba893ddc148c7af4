#include "capture/sizing.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace profbufd::capture {

std::uint64_t pow2ceil(std::uint64_t v) {
  if (v > (std::uint64_t{1} << 63)) throw std::length_error("pow2ceil overflow");
  std::uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

std::uint64_t round_ringbuf_bytes(std::uint64_t bytes, std::size_t page_bytes) {
  return pow2ceil(std::max<std::uint64_t>(bytes, page_bytes));
}

std::uint64_t ringbuf_bytes_for(unsigned rate_hz, std::size_t ncpus,
                                std::size_t record_bytes, std::size_t page_bytes) {
  const std::uint64_t per_record =
      (kRingbufRecordHeaderBytes + record_bytes + 7) / 8 * 8;
  const std::uint64_t per_second =
      std::uint64_t{std::max(rate_hz, 1u)} * std::max<std::size_t>(ncpus, 1) *
      per_record;
  return round_ringbuf_bytes((per_second + 1) / 2, page_bytes);
}

ProfBufSize profbuf_size_for(unsigned rate_hz, std::size_t hdr_words,
                             std::size_t max_frames, const ProfBufSizing& sizing) {
  const double seconds = sizing.seconds > 0 ? sizing.seconds : 0;
  const auto records = static_cast<std::uint64_t>(
      std::ceil(static_cast<double>(std::max(rate_hz, 1u)) * seconds));
  const std::uint64_t record_words = 2 + hdr_words + sizing.avg_frames;
  const std::uint64_t largest = 2 + hdr_words + max_frames;
  ProfBufSize s;
  s.bufwords = pow2ceil(std::max(records * record_words, largest));
  s.tags = pow2ceil(s.bufwords / (2 + hdr_words));
  return s;
}

}  // namespace profbufd::capture
