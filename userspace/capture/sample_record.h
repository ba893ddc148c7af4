// How one BPF sample is laid out in a ProfBuf record, between the loader thread
// (writer) and the reader thread. Defined once, here.
//
//   hdr[0] = pid (tgid)        hdr[1] = tid        hdr[2] = cpu
//   hdr[3] = stack info: kernel_frames (bits 0-15), user_frames (16-31),
//            kernel_status (32-39), user_status (40-47),
//            kernel errno (48-55), user errno (56-63), positive, 0 if none
//   stack  = kernel frames (leaf first) followed by user frames (leaf first)
//   tag    = const TaskIdentity* (interned, never null, stable for the run)
//   time   = bpf_ktime_get_ns() of the sample
//
// A ProfBuf overflow record has tag == nullptr, an all-zero header and a
// one-word stack holding the number of discarded samples.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "profbufd.h"

namespace profbufd {

static_assert(sizeof(profbufd_sample) ==
                  PROFBUFD_SAMPLE_HEADER_BYTES + 8 * 2 * PROFBUFD_MAX_FRAMES,
              "BPF sample layout changed: update PROFBUFD_SAMPLE_HEADER_BYTES");
static_assert(offsetof(profbufd_sample, frames) == PROFBUFD_SAMPLE_HEADER_BYTES);

inline constexpr std::size_t kSampleHeaderWords = 4;

// Who was running: interned by the loader, one object per distinct comm, kept for
// the whole run so that the ProfBuf tag pointer stays valid.
struct TaskIdentity {
  std::array<char, PROFBUFD_COMM_LEN> comm{};  // NUL-padded, as the kernel gives it
  std::string_view name() const {
    std::size_t n = 0;
    while (n < comm.size() && comm[n] != '\0') ++n;
    return {comm.data(), n};
  }
};

struct StackInfo {
  std::uint16_t kernel_frames = 0;
  std::uint16_t user_frames = 0;
  std::uint8_t kernel_status = PROFBUFD_STACK_OK;
  std::uint8_t user_status = PROFBUFD_STACK_OK;
  std::uint8_t kernel_errno = 0;  // positive errno when kernel_status == ERROR
  std::uint8_t user_errno = 0;    // positive errno when user_status == ERROR

  constexpr std::uint64_t pack() const {
    return std::uint64_t{kernel_frames} | std::uint64_t{user_frames} << 16 |
           std::uint64_t{kernel_status} << 32 | std::uint64_t{user_status} << 40 |
           std::uint64_t{kernel_errno} << 48 | std::uint64_t{user_errno} << 56;
  }
  static constexpr StackInfo unpack(std::uint64_t w) {
    StackInfo s;
    s.kernel_frames = static_cast<std::uint16_t>(w);
    s.user_frames = static_cast<std::uint16_t>(w >> 16);
    s.kernel_status = static_cast<std::uint8_t>(w >> 32);
    s.user_status = static_cast<std::uint8_t>(w >> 40);
    s.kernel_errno = static_cast<std::uint8_t>(w >> 48);
    s.user_errno = static_cast<std::uint8_t>(w >> 56);
    return s;
  }
};

}  // namespace profbufd
