// Aggregates identical samples: a map from a key of words
// (pid, tid, task, stack info, frames...) to a count.
//
// Keys live back to back in one arena of words; an open-addressing table of
// (entry index, hash tag) slots finds them. Counting a known stack costs one hash
// over its words, usually one slot probe and one compare against the arena;
// inserting a new one appends to the arena. Nothing is allocated per counted
// sample, and there are no per-entry nodes to chase.
//
// Invariants: slots_.size() is a power of two and at most half full; every
// non-empty slot names an entry whose key hashes to a probe sequence passing
// through it (linear probing, no deletions).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace profbufd {

class StackTable {
 public:
  // Words of a key before the frames.
  static constexpr std::size_t kPidWord = 0, kTidWord = 1, kTaskWord = 2,
                               kInfoWord = 3, kFixedWords = 4;

  struct Entry {
    std::span<const std::uint64_t> key;  // kFixedWords words, then the frames
    std::uint64_t count;
  };

  StackTable();
  StackTable(const StackTable&) = delete;
  StackTable& operator=(const StackTable&) = delete;

  // Adds `n` to the count of `key` (inserting it if new). Returns true when the
  // key was new.
  bool add(std::span<const std::uint64_t> key, std::uint64_t n = 1);

  // Adds every entry of `other`.
  void merge(const StackTable& other);

  std::size_t size() const { return entries_.size(); }
  std::uint64_t total() const { return total_; }

  // Visits entries in insertion order (deterministic).
  template <typename F>
  void for_each(F&& f) const {
    for (const Stored& e : entries_)
      f(Entry{std::span<const std::uint64_t>(arena_.data() + e.off, e.len), e.count});
  }

 private:
  struct Stored {
    std::uint64_t hash;
    std::uint32_t off;  // into arena_
    std::uint32_t len;
    std::uint64_t count;
  };
  struct Slot {
    std::uint32_t entry_plus_one = 0;  // 0: empty
    std::uint32_t tag = 0;             // high half of the hash: most misses stop here
  };

  static std::uint64_t hash_words(std::span<const std::uint64_t> key);
  void grow();

  std::vector<std::uint64_t> arena_;
  std::vector<Stored> entries_;  // insertion order
  std::vector<Slot> slots_;
  std::uint64_t total_ = 0;
};

}  // namespace profbufd
