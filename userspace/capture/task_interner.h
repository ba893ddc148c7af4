// Interns task identities (the 16-byte comm) for the loader thread, so that a
// ProfBuf record can carry a pointer tag instead of the name.
//
// Invariants:
//   - A returned pointer is never null and stays valid, with the same contents,
//     until the interner is destroyed: identities live in a std::deque, which
//     never moves elements on push_back, and are never erased.
//   - Identity ids are 0, 1, 2, ... in order of creation; "[other]" has
//     kOtherId. Windows keep ids, not pointers (core/window.h).
//   - At most max_identities distinct identities are created (plus "[other]");
//     every comm that arrives once the table is full maps to the shared
//     "[other]" identity and is counted in overflowed(). Process churn (every
//     new short-lived comm) therefore cannot grow memory without bound.
//   - A lookup that hits allocates nothing: hashing and probing read the
//     16-byte key in place. Only a miss that creates an identity allocates.
//
// Threading: one writer (the loader thread) calls intern(). Identities are
// immutable once created, and the ProfBuf hands their pointers to the reader
// with its own release/acquire pairing, so readers may dereference tags
// without further synchronization. size() and overflowed() are atomics so
// stats can be read from any thread (relaxed: they are counters, ordering
// nothing).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "core/record.h"

namespace profbufd::capture {

class TaskInterner {
 public:
  static constexpr std::size_t kDefaultMaxIdentities = 1 << 16;
  static constexpr char kOtherName[] = "[other]";
  static constexpr std::uint32_t kOtherId = UINT32_MAX;

  // max_identities is at most kOtherId.
  explicit TaskInterner(std::size_t max_identities = kDefaultMaxIdentities);
  TaskInterner(const TaskInterner&) = delete;
  TaskInterner& operator=(const TaskInterner&) = delete;

  // The identity for `comm` (NUL-padded as the kernel gives it; bytes after
  // the first NUL are ignored so stale bytes cannot split one name in two).
  const TaskIdentity* intern(std::span<const char, PROFBUFD_COMM_LEN> comm);

  // The identity every comm maps to once the table is full.
  const TaskIdentity* other() const { return &other_; }

  std::size_t max_identities() const { return max_; }
  // Distinct identities created so far (excluding "[other]").
  std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Lookups answered with "[other]" because the table was full.
  std::uint64_t overflowed() const { return overflowed_.load(std::memory_order_relaxed); }

 private:
  using Key = std::array<char, PROFBUFD_COMM_LEN>;
  static Key normalize(std::span<const char, PROFBUFD_COMM_LEN> comm);
  static std::uint64_t hash(const Key& k);
  void grow();

  const std::size_t max_;
  TaskIdentity other_;
  std::deque<TaskIdentity> identities_;  // stable storage, append-only
  // Open addressing, linear probing, power-of-two size, load <= 1/2.
  std::vector<const TaskIdentity*> slots_;
  // Written by the loader (relaxed), read by stats() on any thread (relaxed).
  std::atomic<std::size_t> size_{0};
  std::atomic<std::uint64_t> overflowed_{0};
};

}  // namespace profbufd::capture
