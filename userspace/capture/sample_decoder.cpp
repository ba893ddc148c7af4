#include "capture/sample_decoder.h"

#include <cstring>
#include <stdexcept>

namespace profbufd::capture {
namespace {

// The kernel reports errno negative in a signed 16-bit field; the ProfBuf
// header keeps it positive in 8 bits (every errno fits).
std::uint8_t positive_errno(std::int16_t err) {
  const int e = err < 0 ? -err : err;
  return static_cast<std::uint8_t>(e > 0xff ? 0xff : e);
}

}  // namespace

DecodeResult decode_sample(std::span<const std::byte> record) {
  DecodeResult r;
  if (reinterpret_cast<std::uintptr_t>(record.data()) % alignof(std::uint64_t) != 0)
    throw std::invalid_argument("decode_sample: record not 8-byte aligned");
  if (record.size() < PROFBUFD_RECORD_HEADER_BYTES) {
    r.error = DecodeError::kTooShort;
    return r;
  }
  // Copy the fixed header out (72 bytes) rather than type-punning the record.
  profbufd_record h;
  std::memcpy(&h, record.data(), PROFBUFD_RECORD_HEADER_BYTES);
  if (h.kernel_frames > PROFBUFD_MAX_FRAMES || h.user_frames > PROFBUFD_MAX_USER_FRAMES ||
      h.python_frames > PY_MAX_FRAMES ||
      h.kernel_frames + h.user_frames + 2 * h.python_frames > PROFBUFD_MAX_USER_FRAMES) {
    r.error = DecodeError::kTooManyFrames;
    return r;
  }
  const std::size_t nframes =
      std::size_t{h.kernel_frames} + h.user_frames + 2 * std::size_t{h.python_frames};
  if (record.size() < PROFBUFD_RECORD_HEADER_BYTES + nframes * sizeof(std::uint64_t)) {
    r.error = DecodeError::kTruncated;
    return r;
  }

  RecordHeader header;
  header.pid = h.pid;
  header.tid = h.tid;
  header.cpu = h.cpu;
  header.kind = h.kind;
  header.flags = h.flags;
  header.value = h.value;
  header.cgroup_id = h.cgroup_id;
  header.stack = StackInfo{
      .kernel_frames = h.kernel_frames,
      .user_frames = h.user_frames,
      .python_frames = h.python_frames,
      .python_status = h.python_status,
      .kernel_status = h.kernel_status,
      .user_status = h.user_status,
      .kernel_errno = positive_errno(h.kernel_err),
      .user_errno = positive_errno(h.user_err),
  };
  // The frames are 8-byte aligned words inside the record (offset 72 of an
  // 8-byte aligned record), so they are viewed in place, not copied. In
  // production the record is ringbuf memory written by the kernel, which holds
  // no C++ objects, so viewing it as std::uint64_t aliases nothing.
  const auto* frames = reinterpret_cast<const std::uint64_t*>(
      record.data() + offsetof(profbufd_sample, frames));
  const auto* comm = reinterpret_cast<const char*>(
      record.data() + offsetof(profbufd_record, comm));
  r.sample = DecodedSample{
      .cpu = h.cpu,
      .time_ns = h.time_ns,
      .hdr = header.pack(),
      .stack = std::span<const std::uint64_t>(frames, nframes),
      .comm = std::span<const char, PROFBUFD_COMM_LEN>(comm, PROFBUFD_COMM_LEN),
      .pid = h.pid,
      .python_frames = h.python_frames,
  };
  return r;
}

void write_sample(const DecodedSample& s, const TaskIdentity* task, ProfBuf& buf) {
  buf.write(task, s.time_ns, s.hdr, s.stack);
}

}  // namespace profbufd::capture
