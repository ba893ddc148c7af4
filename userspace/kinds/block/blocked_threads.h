// Who is blocked right now: the block kind's BPF map of each thread's last
// blocking interval (struct profbufd_blocked, bpf/block.bpf.c), as userspace
// reads it when a window ends. An interface, so that the kind's accounting is
// tested without BPF; kinds/block/block_attach.cpp reads the real map.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "profbufd.h"

namespace profbufd::kinds::block {

struct BlockedThread {
  std::uint32_t tid = 0;
  std::uint32_t pid = 0;
  std::uint64_t since_ns = 0;  // CLOCK_MONOTONIC, when it left the CPU blocked
  std::uint64_t woken_ns = 0;  // when it was back on CPU; 0: still blocked
  std::uint64_t cgroup_id = 0;
  bool sampled = true;         // kept by the sampling probability
  std::array<char, PROFBUFD_COMM_LEN> comm{};
};

class BlockedThreads {
 public:
  virtual ~BlockedThreads() = default;
  // Every thread's last interval, in no order. Empty if the map is unreadable.
  virtual std::vector<BlockedThread> snapshot() const = 0;
  // Blocks not tracked so far because the map was full (monotonic, all CPUs).
  virtual std::uint64_t untracked() const = 0;
  // Blocks so far shorter than the minimum (no record taken).
  virtual std::uint64_t too_short() const = 0;
  // Recorded blocks lost because the thread did not return from a syscall
  // before the next recorded block on its CPU (bpf/block.bpf.c).
  virtual std::uint64_t unfinished() const = 0;
};

}  // namespace profbufd::kinds::block
