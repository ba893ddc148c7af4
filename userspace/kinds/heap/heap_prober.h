// What the heap kind asks of its BPF side: attach the allocation uprobes for
// one process (for as long as the returned Hold is kept), read the counters
// of every probed call, and read which sampled allocations are live. An interface, so that the kind is tested
// without BPF; heap_probes.h is the real one.
#pragma once

#include <cstdint>
#include <vector>

#include "common/hold.h"
#include "profbufd.h"

namespace profbufd::kinds::heap {

class HeapProber {
 public:
  virtual ~HeapProber() = default;
  // The probes of `pid`, attached now or shared with the requests that hold
  // them already: the allocations' entries, and with `in_use` their returns
  // and free too (three traps per malloc and free instead of one). Refusals:
  // kNoProcess (no such pid), kUnsupported (no libc mapped, or the uprobes
  // could not attach).
  virtual Hold acquire(std::uint32_t pid, bool in_use) = 0;
  // Summed over CPUs, monotonic since load.
  virtual profbufd_heap_counters counters() const = 0;
  // The sampled allocations of `pid` not freed yet (bpf/heap.bpf.c's
  // heap_live), in no order.
  virtual std::vector<profbufd_heap_live> live(std::uint32_t pid) const = 0;
};

}  // namespace profbufd::kinds::heap
