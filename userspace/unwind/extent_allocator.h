// First-fit allocation of contiguous ranges ("extents") of a fixed pool of
// units: blocks of table rows, table page entries (unwind/table_store.h).
//
// Freed extents are quarantined before they can be handed out again: a BPF
// walker that read a table's descriptor just before it was evicted may still
// read its rows for a few microseconds (a walk runs with interrupts off, for
// well under a millisecond), so freed memory waits `quarantine_ns` (default
// 50 ms) before reuse. Free extents are kept merged.
//
// Not thread-safe: the unwinder's thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace profbufd::unwind {

class ExtentAllocator {
 public:
  explicit ExtentAllocator(std::uint32_t units, std::uint64_t quarantine_ns = 50'000'000);

  // The first unit of a free extent of `n` units (n >= 1), or nullopt.
  std::optional<std::uint32_t> allocate(std::uint32_t n);
  // Gives [first, first + n) back at time `now_ns`; reusable from now + quarantine.
  void release(std::uint32_t first, std::uint32_t n, std::uint64_t now_ns);
  // Makes the extents whose quarantine has passed by `now_ns` free again.
  void reclaim(std::uint64_t now_ns);

  std::uint32_t units() const { return units_; }
  std::uint32_t free_units() const { return free_; }           // allocatable now
  std::uint32_t quarantined_units() const { return quarantined_; }
  std::uint32_t largest_free() const;
  // Whether `n` contiguous units would be free once every quarantine passed.
  bool fits_after_quarantine(std::uint32_t n) const;
  // When the last quarantined extent becomes reusable (0: none is held).
  std::uint64_t quarantine_end_ns() const;

 private:
  void add_free(std::uint32_t first, std::uint32_t n);
  struct Held {
    std::uint32_t first, n;
    std::uint64_t until_ns;
  };
  const std::uint32_t units_;
  const std::uint64_t quarantine_ns_;
  std::map<std::uint32_t, std::uint32_t> free_by_first_;  // first -> length, disjoint, merged
  std::vector<Held> held_;                                // in release order
  std::uint32_t free_ = 0, quarantined_ = 0;
};

}  // namespace profbufd::unwind
