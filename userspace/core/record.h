// How one record of any kind travels through a ProfBuf, from the loader thread
// (writer) to the reader thread. Defined once, here, over the BPF header of
// bpf/profbufd.h.
//
//   header words (kRecordHeaderWords, RecordHeader::pack/unpack):
//     [0] pid (tgid, bits 0-31) | tid (bits 32-63)
//     [1] cpu (bits 0-31) | kind (32-47) | flags (48-63)
//     [2] value: what the record weighs in its kind's unit (1 for a CPU tick)
//     [3] cgroup v2 id
//     [4] StackInfo: frame counts, statuses and errnos of both stacks
//   stack = kernel frames (leaf first) followed by user frames (leaf first)
//   tag   = const TaskIdentity* (interned, never null, stable while the
//           interner lives; the reader copies what it needs into the window)
//   time  = bpf_ktime_get_ns() of the record
//
// A ProfBuf overflow record has tag == nullptr, an all-zero header and a
// one-word stack holding the number of discarded records.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "profbufd.h"
#include "python.h"

namespace profbufd {

static_assert(sizeof(profbufd_record) == PROFBUFD_RECORD_HEADER_BYTES,
              "BPF record header changed: update PROFBUFD_RECORD_HEADER_BYTES");
static_assert(offsetof(profbufd_sample, frames) == PROFBUFD_RECORD_HEADER_BYTES);
static_assert(sizeof(profbufd_sample) ==
              PROFBUFD_RECORD_HEADER_BYTES + 8 * 2 * PROFBUFD_MAX_FRAMES);
static_assert(sizeof(profbufd_counters) == 3 * sizeof(std::uint64_t));

inline constexpr std::size_t kRecordHeaderWords = 5;
inline constexpr std::size_t kMaxStackWords = 2 * PROFBUFD_MAX_FRAMES;

// Who was running: interned by the loader, one object per distinct comm, kept
// while the interner lives so that the ProfBuf tag pointer stays valid. `id`
// is what windows keep (core/window.h), so that they outlive the interner.
struct TaskIdentity {
  std::array<char, PROFBUFD_COMM_LEN> comm{};  // NUL-padded, as the kernel gives it
  std::uint32_t id = 0;                        // unique per interner
  std::string_view name() const {
    std::size_t n = 0;
    while (n < comm.size() && comm[n] != '\0') ++n;
    return {comm.data(), n};
  }
};

// Every frame count fits in 8 bits of the packed word.
static_assert(PROFBUFD_MAX_FRAMES < 256 && PROFBUFD_MAX_USER_FRAMES < 256 && PY_MAX_FRAMES < 256);

// The frames of a record's stack and how each part ended: kernel_frames
// kernel words, user_frames user words, then python_frames Python frames of
// two words each (bpf/python.h).
struct StackInfo {
  std::uint16_t kernel_frames = 0;
  std::uint16_t user_frames = 0;
  std::uint16_t python_frames = 0;
  std::uint8_t python_status = PY_END_NONE;  // enum py_end
  std::uint8_t kernel_status = PROFBUFD_STACK_OK;
  std::uint8_t user_status = PROFBUFD_STACK_OK;
  std::uint8_t kernel_errno = 0;  // positive errno when kernel_status == ERROR
  std::uint8_t user_errno = 0;    // positive errno when user_status == ERROR

  constexpr std::uint64_t pack() const {
    return std::uint64_t{kernel_frames} | std::uint64_t{user_frames} << 8 |
           std::uint64_t{python_frames} << 16 | std::uint64_t{python_status} << 24 |
           std::uint64_t{kernel_status} << 32 | std::uint64_t{user_status} << 40 |
           std::uint64_t{kernel_errno} << 48 | std::uint64_t{user_errno} << 56;
  }
  static constexpr StackInfo unpack(std::uint64_t w) {
    StackInfo s;
    s.kernel_frames = static_cast<std::uint8_t>(w);
    s.user_frames = static_cast<std::uint8_t>(w >> 8);
    s.python_frames = static_cast<std::uint8_t>(w >> 16);
    s.python_status = static_cast<std::uint8_t>(w >> 24);
    s.kernel_status = static_cast<std::uint8_t>(w >> 32);
    s.user_status = static_cast<std::uint8_t>(w >> 40);
    s.kernel_errno = static_cast<std::uint8_t>(w >> 48);
    s.user_errno = static_cast<std::uint8_t>(w >> 56);
    return s;
  }
  // A stack that should have frames but could not be walked (a failed walk,
  // or an empty user stack of a process; kernel threads and idle have none).
  constexpr bool unavailable(std::uint32_t pid) const {
    return kernel_status == PROFBUFD_STACK_ERROR || user_status == PROFBUFD_STACK_ERROR ||
           (user_status == PROFBUFD_STACK_EMPTY && pid != 0);
  }
};

// The header words of one record as they sit in the ProfBuf. Per-record hooks
// (Aggregation::accumulate, WindowBooks::note) take these and unpack what they
// use, so that the reader's hot path never builds a whole RecordHeader.
using HeaderWords = std::span<const std::uint64_t, kRecordHeaderWords>;

// The header words of one record, unpacked: the only way the loader and the
// reader address them.
struct RecordHeader {
  using Words = std::array<std::uint64_t, kRecordHeaderWords>;

  std::uint32_t pid = 0;
  std::uint32_t tid = 0;
  std::uint32_t cpu = 0;
  std::uint16_t kind = 0;
  std::uint16_t flags = 0;
  std::uint64_t value = 0;
  std::uint64_t cgroup_id = 0;
  StackInfo stack;

  // Word 0 as it is packed; the aggregation key holds it as is.
  static constexpr std::uint64_t pid_tid(std::uint32_t pid, std::uint32_t tid) {
    return std::uint64_t{pid} | std::uint64_t{tid} << 32;
  }

  constexpr Words pack() const {
    return {pid_tid(pid, tid),
            std::uint64_t{cpu} | std::uint64_t{kind} << 32 | std::uint64_t{flags} << 48,
            value, cgroup_id, stack.pack()};
  }
  // `w` holds at least kRecordHeaderWords words.
  static constexpr RecordHeader unpack(std::span<const std::uint64_t> w) {
    RecordHeader h;
    h.pid = static_cast<std::uint32_t>(w[0]);
    h.tid = static_cast<std::uint32_t>(w[0] >> 32);
    h.cpu = static_cast<std::uint32_t>(w[1]);
    h.kind = static_cast<std::uint16_t>(w[1] >> 32);
    h.flags = static_cast<std::uint16_t>(w[1] >> 48);
    h.value = w[2];
    h.cgroup_id = w[3];
    h.stack = StackInfo::unpack(w[4]);
    return h;
  }
};

}  // namespace profbufd
