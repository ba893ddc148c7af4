// The heap kind: sampled allocations (malloc, calloc, realloc) of one process
// at a time, probed on request (bpf/heap.bpf.c, heap_probes.h), and which of
// them are still in use (not freed) when the window ends, in the shape of
// Go's heap and allocs profiles:
//
//   sample_type  [alloc_objects/count, alloc_space/bytes, inuse_objects/count,
//                inuse_space/bytes], default alloc_space (/debug/pprof/allocs;
//                /debug/pprof/heap makes it inuse_space, as Go's)
//   period_type  space/bytes, period = the sampling rate (--heap-rate)
//   values       scaled as Go's scaleHeapSample (heap_scale.h): the sampled
//                allocations of a stack and their bytes, divided by the
//                probability that an allocation of their average size is
//                sampled; in-use likewise, from the window's books
//                (heap_books.h)
//
// Opt-in per pid: every probed call traps into the kernel, so the uprobes are
// attached only while a request for that process runs (hold()), and requests
// without exactly one pid= are refused.
//
// Records lost in the shared ring are "[lost: ringbuf_full]" samples, each
// standing for one sampled allocation of `rate` bytes (in-use unknown: 0).
#pragma once

#include <atomic>
#include <memory>

#include "kinds/heap/heap_prober.h"
#include "kinds/kind.h"

namespace profbufd::kinds::heap {

struct HeapConfig {
  std::uint64_t rate = 512 * 1024;  // --heap-rate
};

class HeapKind final : public Kind {
 public:
  explicit HeapKind(HeapConfig config) : config_(config) {}

  std::uint16_t id() const override;
  std::string_view name() const override { return "heap"; }
  ProfileShape shape() const override;
  // Sampled allocations, and their bytes.
  std::span<const Accumulate> accumulators() const override;
  // A process allocating 1 GB/s at the default rate makes ~2 000 records/s.
  unsigned records_per_cpu_second() const override { return 200; }
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  // values(), and the stack's in-use allocations from the window's books.
  void stack_values(const Window& w, std::span<const std::uint64_t> stack,
                    std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  // In-use books for a window of one pid that leads with inuse_* (the heap
  // path); an allocs window has none, and its profile no inuse_* types.
  std::unique_ptr<WindowBooks> open_books(const Window& w) const override;
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override;
  // The rate; what in-use could not count (lost_samples heap_live_full,
  // heap_inuse_unmatched, heap_inuse_unnoted); the window's probed calls,
  // their bytes and the frees of sampled allocations in the details.
  void finish(const Window& w, ProfileAssembly& a) const override;
  // Exactly one pid: its probes, attached now or shared.
  // With an inuse_* `sample_type` (the heap path), the frees too.
  Hold hold(std::span<const std::uint32_t> pids, std::string_view sample_type) const override;
  // Per process, not one state: left out of profbufd_kind_running.
  std::optional<bool> running() const override { return std::nullopt; }
  // profbufd_heap_calls_total, _bytes_total, _freed_total,
  // _lost_total{reason="untracked"|"live_full"}.
  void write_metrics(metrics::MetricWriter& w) const override;

  // Called once the BPF object is loaded (kinds/heap/heap_attach.cpp).
  void attached(std::shared_ptr<HeapProber> prober) const;
  const HeapConfig& config() const { return config_; }

 private:
  const HeapConfig config_;
  // Set once by attached() (the attaching thread), read by HTTP workers and
  // scrapes: the atomic shared_ptr orders its construction before its use.
  mutable std::atomic<std::shared_ptr<HeapProber>> prober_;
};

}  // namespace profbufd::kinds::heap
