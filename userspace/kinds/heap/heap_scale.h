// Undoing the heap kind's sampling, as Go's runtime/pprof scaleHeapSample
// does: with one sample point per `rate` bytes on average (a Poisson process
// over the bytes, bpf/heap_sample.h), an allocation of s bytes is sampled
// with probability 1 - exp(-s/rate). A stack's `count` sampled allocations
// of `bytes` in all stand for count / p allocations and bytes / p bytes,
// with p computed at the stack's average size (as Go does: the stack's
// records keep no individual sizes).
#pragma once

#include <cstdint>

namespace profbufd::kinds::heap {

struct HeapEstimate {
  std::int64_t objects = 0;
  std::int64_t bytes = 0;
};

// rate <= 1: every allocation was recorded, nothing to scale.
HeapEstimate scale_heap_sample(std::uint64_t count, std::uint64_t bytes, std::uint64_t rate);

}  // namespace profbufd::kinds::heap
