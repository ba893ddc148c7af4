#include "capture/task_interner.h"

#include <algorithm>
#include <cstring>

namespace profbufd::capture {

TaskInterner::TaskInterner(std::size_t max_identities)
    : max_(std::min<std::size_t>(max_identities, kOtherId)), slots_(64, nullptr) {
  static_assert(sizeof(kOtherName) <= PROFBUFD_COMM_LEN);
  std::memcpy(other_.comm.data(), kOtherName, sizeof(kOtherName));
  other_.id = kOtherId;
}

TaskInterner::Key TaskInterner::normalize(std::span<const char, PROFBUFD_COMM_LEN> comm) {
  Key k{};
  for (std::size_t i = 0; i < k.size() && comm[i] != '\0'; ++i) k[i] = comm[i];
  return k;
}

std::uint64_t TaskInterner::hash(const Key& k) {
  // Two 8-byte words mixed with multiply-xorshift (as in splitmix64's
  // finalizer): comms are short ASCII, so both halves must reach every bit.
  std::uint64_t a, b;
  std::memcpy(&a, k.data(), 8);
  std::memcpy(&b, k.data() + 8, 8);
  std::uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 29;
  return h;
}

const TaskIdentity* TaskInterner::intern(std::span<const char, PROFBUFD_COMM_LEN> comm) {
  const Key k = normalize(comm);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash(k) & mask;
  for (; slots_[i] != nullptr; i = (i + 1) & mask) {
    if (slots_[i]->comm == k) return slots_[i];
  }
  // Miss: slot i is the empty slot where the key belongs.
  const std::size_t n = size_.load(std::memory_order_relaxed);
  if (n >= max_) {
    overflowed_.fetch_add(1, std::memory_order_relaxed);
    return &other_;
  }
  identities_.push_back(TaskIdentity{k, static_cast<std::uint32_t>(n)});
  const TaskIdentity* id = &identities_.back();
  slots_[i] = id;
  size_.store(n + 1, std::memory_order_relaxed);
  if (2 * (n + 1) > slots_.size()) grow();
  return id;
}

void TaskInterner::grow() {
  std::vector<const TaskIdentity*> bigger(slots_.size() * 2, nullptr);
  const std::size_t mask = bigger.size() - 1;
  for (const TaskIdentity* id : slots_) {
    if (id == nullptr) continue;
    std::size_t i = hash(id->comm) & mask;
    while (bigger[i] != nullptr) i = (i + 1) & mask;
    bigger[i] = id;
  }
  slots_.swap(bigger);
}

}  // namespace profbufd::capture
