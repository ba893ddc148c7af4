// BlockedThreads over the block kind's BPF maps (`blocked` and
// `block_counters`, bpf/block.bpf.c). Holds its own duplicates of the map
// fds, so it stays valid after the BPF object is destroyed (it then reads a
// map that nothing writes any more).
#pragma once

#include "common/fd.h"
#include "kinds/block/blocked_threads.h"

namespace profbufd::kinds::block {

class BlockedMap final : public BlockedThreads {
 public:
  // Duplicates both fds; an fd that cannot be duplicated reads as empty.
  BlockedMap(int blocked_fd, int counters_fd);

  std::vector<BlockedThread> snapshot() const override;
  std::uint64_t untracked() const override;
  std::uint64_t too_short() const override;
  std::uint64_t unfinished() const override;

 private:
  profbufd_block_counters counters() const;

  Fd blocked_;
  Fd counters_;
};

}  // namespace profbufd::kinds::block
