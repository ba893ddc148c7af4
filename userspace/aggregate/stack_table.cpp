#include "aggregate/stack_table.h"

#include <algorithm>
#include <stdexcept>

namespace profbufd {

StackTable::StackTable() : map_(64, Hash{}, Eq{&arena_}) {}

std::uint64_t StackTable::hash_words(std::span<const std::uint64_t> key) {
  // Multiply-xorshift per word: frames are addresses whose low and high bits both
  // vary, so a cheap mix over every word spreads well and costs ~1 ns a word.
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ key.size();
  for (std::uint64_t w : key) {
    h ^= w;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
  }
  return h;
}

bool StackTable::Eq::operator()(const Slot& a, const Slot& b) const {
  return a.len == b.len &&
         std::equal(arena->begin() + a.off, arena->begin() + a.off + a.len,
                    arena->begin() + b.off);
}

bool StackTable::Eq::operator()(const Probe& p, const Slot& s) const {
  return p.key.size() == s.len &&
         std::equal(p.key.begin(), p.key.end(), arena->begin() + s.off);
}

bool StackTable::add(std::span<const std::uint64_t> key, std::uint64_t n) {
  total_ += n;
  const Probe probe{key, hash_words(key)};
  if (auto it = map_.find(probe); it != map_.end()) {
    it->second += n;
    return false;
  }
  if (arena_.size() + key.size() > UINT32_MAX)
    throw std::length_error("StackTable: arena exceeds 2^32 words");
  const Slot slot{static_cast<std::uint32_t>(arena_.size()),
                  static_cast<std::uint32_t>(key.size()), probe.hash};
  arena_.insert(arena_.end(), key.begin(), key.end());
  auto [it, inserted] = map_.emplace(slot, n);
  order_.push_back(&*it);
  return inserted;
}

void StackTable::merge(const StackTable& other) {
  other.for_each([this](const Entry& e) { add(e.key, e.count); });
}

}  // namespace profbufd
