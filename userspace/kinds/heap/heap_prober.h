// What the heap kind asks of its BPF side: attach the allocation uprobes for
// one process (for as long as the returned Hold is kept), and read the
// counters of every probed call. An interface, so that the kind is tested
// without BPF; heap_probes.h is the real one.
#pragma once

#include <cstdint>

#include "common/hold.h"
#include "profbufd.h"

namespace profbufd::kinds::heap {

class HeapProber {
 public:
  virtual ~HeapProber() = default;
  // The probes of `pid`, attached now or shared with the requests that hold
  // them already. Refusals: kNoProcess (no such pid), kUnsupported (no libc
  // mapped, or the uprobes could not attach).
  virtual Hold acquire(std::uint32_t pid) = 0;
  // Summed over CPUs, monotonic since load.
  virtual profbufd_heap_counters counters() const = 0;
};

}  // namespace profbufd::kinds::heap
