#include "core/stack_table.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace profbufd {

StackTable::StackTable(std::size_t accumulators) : nacc_(accumulators), slots_(64) {
  if (nacc_ == 0 || nacc_ > kMaxAccumulators)
    throw std::invalid_argument("StackTable: 1 to 4 accumulators");
}

namespace {

constexpr std::uint64_t mix(std::uint64_t h) {
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

}  // namespace

std::uint64_t StackTable::hash_words(std::span<const std::uint64_t> key) {
  // Multiply-xorshift per word: frames are addresses whose low and high bits both
  // vary, so a cheap mix over every word spreads well. Two independent lanes
  // (even and odd words) halve the dependency chain of multiplies: a 34-word key
  // is hashed in about half the latency of one lane.
  std::uint64_t a = 0x9e3779b97f4a7c15ULL ^ key.size();
  std::uint64_t b = 0x94d049bb133111ebULL;
  std::size_t i = 0;
  for (; i + 1 < key.size(); i += 2) {
    a = mix(a ^ key[i]);
    b = mix(b ^ key[i + 1]);
  }
  if (i < key.size()) a = mix(a ^ key[i]);
  return mix(a ^ ((b << 32) | (b >> 32)));
}

bool StackTable::add(std::span<const std::uint64_t> key, std::uint64_t n) {
  std::array<std::uint64_t, kMaxAccumulators> v{};
  v[0] = n;
  return add(key, std::span<const std::uint64_t>(v.data(), nacc_));
}

bool StackTable::add(std::span<const std::uint64_t> key, std::span<const std::uint64_t> values) {
  total_ += values[0];
  const std::uint64_t h = hash_words(key);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.entry_plus_one == 0) {
      if (arena_.size() + key.size() + nacc_ > UINT32_MAX || entries_.size() >= UINT32_MAX - 1)
        throw std::length_error("StackTable: more than 2^32 words or entries");
      entries_.push_back(Stored{h, static_cast<std::uint32_t>(arena_.size()),
                                static_cast<std::uint32_t>(key.size())});
      arena_.insert(arena_.end(), key.begin(), key.end());
      arena_.insert(arena_.end(), values.begin(), values.begin() + nacc_);
      s.entry_plus_one = static_cast<std::uint32_t>(entries_.size());
      s.tag = tag;
      if (entries_.size() * 2 > slots_.size()) grow();
      return true;
    }
    if (s.tag != tag) continue;
    const Stored& e = entries_[s.entry_plus_one - 1];
    const auto stored = arena_.begin() + e.off;
    if (e.len == key.size() && std::equal(key.begin(), key.end(), stored)) {
      // The first accumulator apart: most kinds have only that one.
      std::uint64_t* acc = arena_.data() + e.off + e.len;
      acc[0] += values[0];
      for (std::size_t j = 1; j < nacc_; ++j) acc[j] += values[j];
      return false;
    }
  }
}

void StackTable::grow() {
  std::vector<Slot> bigger(slots_.size() * 2);
  const std::size_t mask = bigger.size() - 1;
  for (std::size_t idx = 0; idx < entries_.size(); ++idx) {
    const std::uint64_t h = entries_[idx].hash;
    std::size_t i = h & mask;
    while (bigger[i].entry_plus_one != 0) i = (i + 1) & mask;
    bigger[i] = Slot{static_cast<std::uint32_t>(idx + 1), static_cast<std::uint32_t>(h >> 32)};
  }
  slots_.swap(bigger);
}

std::size_t StackTable::memory_bytes() const {
  return arena_.capacity() * sizeof(std::uint64_t) + entries_.capacity() * sizeof(Stored) +
         slots_.capacity() * sizeof(Slot);
}

}  // namespace profbufd
