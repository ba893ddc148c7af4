// Aggregates identical samples: a map from a key of words
// (pid, tid, task, stack info, frames...) to a count.
//
// Keys live back to back in one arena of words, so inserting a new stack costs
// one append (amortized) and counting a known one costs a hash plus a compare;
// nothing is allocated per counted sample.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
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
  StackTable(StackTable&&) = delete;
  StackTable& operator=(StackTable&&) = delete;

  // Adds `n` to the count of `key` (inserting it if new). Returns true when the
  // key was new.
  bool add(std::span<const std::uint64_t> key, std::uint64_t n = 1);

  // Adds every entry of `other`.
  void merge(const StackTable& other);

  std::size_t size() const { return map_.size(); }
  std::uint64_t total() const { return total_; }
  std::size_t arena_words() const { return arena_.size(); }

  // Visits entries in insertion order (deterministic).
  template <typename F>
  void for_each(F&& f) const {
    for (const auto* node : order_) {
      f(Entry{std::span<const std::uint64_t>(arena_.data() + node->first.off,
                                             node->first.len),
              node->second});
    }
  }

 private:
  // Where a key is in the arena.
  struct Slot {
    std::uint32_t off;
    std::uint32_t len;
    std::uint64_t hash;
  };
  struct Probe {
    std::span<const std::uint64_t> key;
    std::uint64_t hash;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(const Slot& s) const { return s.hash; }
    std::size_t operator()(const Probe& p) const { return p.hash; }
  };
  // Compares through the arena; holds a pointer to it, hence the table is
  // neither copyable nor movable.
  struct Eq {
    using is_transparent = void;
    const std::vector<std::uint64_t>* arena;
    bool operator()(const Slot& a, const Slot& b) const;
    bool operator()(const Probe& p, const Slot& s) const;
    bool operator()(const Slot& s, const Probe& p) const { return (*this)(p, s); }
  };
  using Map = std::unordered_map<Slot, std::uint64_t, Hash, Eq>;

  static std::uint64_t hash_words(std::span<const std::uint64_t> key);

  std::vector<std::uint64_t> arena_;
  Map map_;
  // Insertion order, for deterministic output. Node pointers of an
  // unordered_map stay valid across rehashing.
  std::vector<const Map::value_type*> order_;
  std::uint64_t total_ = 0;
};

}  // namespace profbufd
