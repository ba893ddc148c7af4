// How big the two buffers of the capture stage are, as pure functions of the
// record rate (records per second per CPU, every kind together; for the CPU
// kind alone, its frequency) so that tests can check the arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

namespace profbufd::capture {

// Bytes the kernel adds in front of every BPF ringbuf record.
inline constexpr std::uint64_t kRingbufRecordHeaderBytes = 8;

// Ringbuf size: half a second of records from every CPU at `rate_hz`, each a
// full `record_bytes` record (the BPF program reserves fixed-size records),
// plus the per-record header rounded to 8 bytes, then rounded up to a power of
// two (the kernel requires it) and to at least one page. Half a second is 10x
// the loader's 50 ms drain period (and the loader is woken early once a
// quarter is full), so a loader stalled by a page fault or a busy CPU still
// loses nothing; the ring's pages count in profbufd's RSS once written, so
// more is memory for nothing (the peak fill seen at 99 Hz is 3% of it).
std::uint64_t ringbuf_bytes_for(unsigned rate_hz, std::size_t ncpus,
                                std::size_t record_bytes, std::size_t page_bytes);

// Rounds a user-supplied size the same way (power of two, at least one page),
// so that an override is always a size the kernel accepts.
std::uint64_t round_ringbuf_bytes(std::uint64_t bytes, std::size_t page_bytes);

// Per-CPU ProfBuf size, in the ProfBuf's units.
struct ProfBufSize {
  std::size_t bufwords = 0;  // data words (a power of two)
  std::size_t tags = 0;      // tag slots (a power of two)
};

// Sizing knobs for the per-CPU ProfBuf.
struct ProfBufSizing {
  // Samples of this many seconds fit. The reader drains at least every 100 ms,
  // so 0.5 s is a 5x margin at the average depth, and still holds 0.1 s of
  // samples at the maximum depth (2 * PROFBUFD_MAX_FRAMES = 254 frames):
  // 0.5 * 70 words >= 0.1 * 260 words.
  double seconds = 0.5;
  // Average frames per sample (kernel + user) the data words are sized for.
  unsigned avg_frames = 64;
};

// A ProfBuf record is 2 + hdr_words + frames words (length, time, header,
// stack). Formula, with r = ceil(rate_hz * seconds) records:
//   bufwords = pow2ceil(max(r * (2 + hdr_words + avg_frames), largest record))
//   tags     = pow2ceil(bufwords / (2 + hdr_words))
// The tag count is what the data words could hold if every sample had no
// frames at all, so tags never run out before data words do.
ProfBufSize profbuf_size_for(unsigned rate_hz, std::size_t hdr_words,
                             std::size_t max_frames, const ProfBufSizing& sizing);

// Smallest power of two >= v (v = 0 gives 1).
std::uint64_t pow2ceil(std::uint64_t v);

}  // namespace profbufd::capture
