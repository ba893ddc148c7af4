// Routes raw BPF ringbuf records to the ProfBuf of the CPU they were sampled
// on: decode (sample_decoder.h), intern the task (task_interner.h), write.
// This is all the per-sample work of the loader thread, kept free of the
// ringbuf plumbing so tests can drive it with hand-made records.
//
// Invariants: route() never blocks, never allocates except when the interner
// meets a new comm, and never drops a record without counting it (malformed or
// misrouted).
//
// Threading: route() runs on one thread (the loader). The counters are
// atomics written by that thread with relaxed order and read by stats() on
// any thread with relaxed order: each is a statistic on its own and orders no
// other memory.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "capture/python_observer.h"
#include "capture/task_interner.h"
#include "core/profbuf.h"

namespace profbufd::capture {

class SampleRouter {
 public:
  // buffers[cpu] receives that CPU's samples; null entries are CPUs that are
  // not sampled. Both `buffers` and `interner` must outlive the router.
  SampleRouter(std::span<ProfBuf* const> buffers, TaskInterner& interner);
  SampleRouter(const SampleRouter&) = delete;
  SampleRouter& operator=(const SampleRouter&) = delete;

  // Tells `observer` (or none: null) of every record's Python frames from now
  // on. Called before the loader starts: it is not synchronized with route().
  void set_python_observer(PythonFrameObserver* observer) { python_observer_ = observer; }

  // Handles one ringbuf record (8-byte aligned, as the ringbuf delivers it).
  // Returns true when it was written to a ProfBuf.
  bool route(std::span<const std::byte> record);

  // Samples written to buffers[cpu]; 0 for an out-of-range cpu.
  std::uint64_t routed(std::size_t cpu) const;
  // Records rejected by decode_sample().
  std::uint64_t malformed() const { return malformed_.load(std::memory_order_relaxed); }
  // Records whose cpu has no buffer.
  std::uint64_t misrouted() const { return misrouted_.load(std::memory_order_relaxed); }

 private:
  std::vector<ProfBuf*> buffers_;  // copied once at construction
  TaskInterner& interner_;
  PythonFrameObserver* python_observer_ = nullptr;
  std::unique_ptr<std::atomic<std::uint64_t>[]> routed_;  // per cpu, buffers_.size()
  std::atomic<std::uint64_t> malformed_{0};
  std::atomic<std::uint64_t> misrouted_{0};
};

}  // namespace profbufd::capture
