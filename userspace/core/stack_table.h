// Aggregates identical records: a map from a key of words
// (pid/tid, task id/flags, cgroup, stack info, frames...) to a few
// accumulators (how many: the kind says; a CPU window counts ticks, an
// off-CPU window adds events and nanoseconds).
//
// Keys live back to back in one arena of words, each followed by its
// accumulators; an open-addressing table of (entry index, hash tag) slots
// finds them. Counting a known stack costs one hash over its words, usually one
// slot probe, one compare against the arena and an add right behind the key.
// Nothing is allocated per counted record, and there are no per-entry nodes.
//
// Invariants: slots_.size() is a power of two and at most half full; every
// non-empty slot names an entry whose key hashes to a probe sequence passing
// through it (linear probing, no deletions); entry i's accumulators are the
// accumulators() words at arena_[off + len].
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace profbufd {

class StackTable {
 public:
  // Words of a key before the frames.
  static constexpr std::size_t kPidTidWord = 0,  // RecordHeader::pid_tid()
      kTaskWord = 1,                            // task id | flags << 32 | epoch << 48
      kCgroupWord = 2, kInfoWord = 3,           // cgroup id, StackInfo
      kFixedWords = 4;
  static constexpr std::size_t kMaxAccumulators = 4;

  // The epoch tells apart the programs one pid ran in a window
  // (ProcessTable::epoch): the same stack under two of them is two entries.
  static constexpr std::uint64_t task_word(std::uint32_t task_id, std::uint16_t flags,
                                           std::uint16_t epoch = 0) {
    return std::uint64_t{task_id} | std::uint64_t{flags} << 32 | std::uint64_t{epoch} << 48;
  }
  static constexpr std::uint16_t task_flags(std::uint64_t task_word) {
    return static_cast<std::uint16_t>(task_word >> 32);
  }
  static constexpr std::uint16_t task_epoch(std::uint64_t task_word) {
    return static_cast<std::uint16_t>(task_word >> 48);
  }

  struct Entry {
    std::span<const std::uint64_t> key;     // kFixedWords words, then the frames
    std::span<const std::uint64_t> values;  // accumulators() words
  };

  // 1 <= accumulators <= kMaxAccumulators; throws std::invalid_argument otherwise.
  explicit StackTable(std::size_t accumulators = 1);
  StackTable(const StackTable&) = delete;
  StackTable& operator=(const StackTable&) = delete;

  // Adds `values` (accumulators() words) to the accumulators of `key`,
  // inserting it if new. Returns true when the key was new.
  bool add(std::span<const std::uint64_t> key, std::span<const std::uint64_t> values);
  // Adds n to accumulator 0 (and 0 to the rest).
  bool add(std::span<const std::uint64_t> key, std::uint64_t n = 1);

  std::size_t accumulators() const { return nacc_; }
  std::size_t size() const { return entries_.size(); }
  // Sum of accumulator 0 over every entry.
  std::uint64_t total() const { return total_; }
  // Heap bytes held (for memory accounting).
  std::size_t memory_bytes() const;

  // Visits entries in insertion order (deterministic).
  template <typename F>
  void for_each(F&& f) const {
    for (const Stored& e : entries_) {
      const std::uint64_t* k = arena_.data() + e.off;
      f(Entry{std::span<const std::uint64_t>(k, e.len),
              std::span<const std::uint64_t>(k + e.len, nacc_)});
    }
  }

 private:
  struct Stored {
    std::uint64_t hash;
    std::uint32_t off;  // into arena_: the key, then the accumulators
    std::uint32_t len;  // key words
  };
  struct Slot {
    std::uint32_t entry_plus_one = 0;  // 0: empty
    std::uint32_t tag = 0;             // high half of the hash: most misses stop here
  };

  static std::uint64_t hash_words(std::span<const std::uint64_t> key);
  void grow();

  std::size_t nacc_;
  std::vector<std::uint64_t> arena_;
  std::vector<Stored> entries_;  // insertion order
  std::vector<Slot> slots_;
  std::uint64_t total_ = 0;
};

}  // namespace profbufd
