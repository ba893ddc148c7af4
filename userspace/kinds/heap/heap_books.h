// What a heap window knows beyond its aggregated stacks: what the probed
// calls added up to while it was open (every heap window), and, for a window
// of in-use memory (the heap path), which of its sampled allocations are
// still in use when it ends.
//
// Each record the window takes (a sampled malloc, calloc or realloc) is
// noted under its thread and time, which is how bpf/heap.bpf.c names it in
// `heap_live` once the allocation returns. At end(), the live entries of the
// window's process are read (HeapProber::live): each one that names a record
// of this window adds one allocation and its bytes to the in-use of that
// record's stack. So in-use is "allocated in the window and not freed by its
// end", the window's part of Go's heap profile; allocations made before the
// window began (by a request that held the probes earlier) are not its own.
//
// Bounded: past kMaxRecords noted records, further ones are counted
// (`unnoted()`) and their allocations cannot be in use in the profile.
//
// Threads: note() on the reader thread, begin() and end() on the request's,
// in_use() and the counts on the profile builder's after end(); mu_ orders
// them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/window_books.h"
#include "kinds/heap/heap_prober.h"

namespace profbufd::kinds::heap {

struct InUse {
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
};

class HeapBooks final : public WindowBooks {
 public:
  static constexpr std::size_t kMaxRecords = 1u << 20;

  // Books of `pid`'s window that starts at `start_ns` (CLOCK_MONOTONIC);
  // with `in_use`, of what is in use at its end.
  HeapBooks(std::shared_ptr<const HeapProber> prober, std::uint32_t pid, std::uint64_t start_ns,
            bool in_use);
  bool tracks_in_use() const { return in_use_tracked_; }

  void note(HeaderWords header, std::uint64_t time_ns,
            std::span<const std::uint64_t> stack) override;
  void begin() override;
  void end() override;

  // The in-use allocations of the stack whose StackTable key is `stack`.
  InUse in_use(std::span<const std::uint64_t> stack) const;
  // Sampled allocations still live at the end whose record is not the
  // window's: its record was lost, or not noted (kMaxRecords).
  std::uint64_t unmatched() const;
  std::uint64_t unnoted() const;
  // Of the kind's counters, what the window's span added (end - begin).
  profbufd_heap_counters counted() const;

 private:
  struct RecordId {
    std::uint32_t tid;
    std::uint64_t time_ns;
    bool operator==(const RecordId&) const = default;
  };
  struct RecordIdHash {
    std::size_t operator()(const RecordId& r) const;
  };
  // Transparent, so that a lookup by the record's span builds no vector.
  struct StackHash {
    using is_transparent = void;
    std::size_t operator()(std::span<const std::uint64_t> k) const;
  };
  struct StackEq {
    using is_transparent = void;
    bool operator()(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b) const {
      return std::ranges::equal(a, b);
    }
  };

  std::size_t stack_index(std::span<const std::uint64_t> stack);  // mu_ held

  const std::shared_ptr<const HeapProber> prober_;
  const std::uint32_t pid_;
  const std::uint64_t start_ns_;
  const bool in_use_tracked_;
  mutable std::mutex mu_;
  std::unordered_map<RecordId, std::uint32_t, RecordIdHash> records_;  // -> stack index
  std::unordered_map<std::vector<std::uint64_t>, std::uint32_t, StackHash, StackEq> stacks_;
  std::vector<InUse> in_use_;  // by stack index
  std::uint64_t unmatched_ = 0, unnoted_ = 0;
  profbufd_heap_counters at_begin_{}, at_end_{};
};

}  // namespace profbufd::kinds::heap
