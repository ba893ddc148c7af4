// Turns one raw BPF ringbuf record of any kind (struct profbufd_sample,
// bpf/profbufd.h) into a ProfBuf record, as core/record.h lays it out.
// Split out of the loader thread so that it can be tested with hand-made
// records and a real ProfBuf.
//
// Nothing here allocates: the header is a fixed array and the stack is a view
// of the frames inside the record itself (the BPF program already wrote kernel
// frames then user frames contiguously).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/profbuf.h"
#include "core/record.h"

namespace profbufd::capture {

struct DecodedSample {
  std::uint32_t cpu = 0;
  std::uint64_t time_ns = 0;
  RecordHeader::Words hdr{};              // RecordHeader::pack()
  std::span<const std::uint64_t> stack;  // kernel then user frames
  std::span<const char, PROFBUFD_COMM_LEN> comm;
  std::uint32_t pid = 0;
  std::uint16_t python_frames = 0;  // the last 2 * python_frames words of `stack`
};

// Why a record was rejected. The BPF program never produces these; they guard
// against a header/program mismatch turning into out-of-bounds reads.
enum class DecodeError {
  kTooShort,        // smaller than the fixed header
  kTooManyFrames,   // more kernel or user frames than bpf/profbufd.h allows
  kTruncated,       // frames claimed beyond the end of the record
};

// `record` must stay alive (and unchanged) while the result is used: the
// stack and comm point into it. `record` must be 8-byte aligned (ringbuf
// records are). Fails with the reason when the record is malformed.
struct DecodeResult {
  std::optional<DecodedSample> sample;
  DecodeError error = DecodeError::kTooShort;  // meaningful when !sample
};
DecodeResult decode_sample(std::span<const std::byte> record);

// Writes a decoded sample into `buf` with `task` as its tag.
void write_sample(const DecodedSample& s, const TaskIdentity* task, ProfBuf& buf);

}  // namespace profbufd::capture
