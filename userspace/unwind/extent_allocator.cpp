#include "unwind/extent_allocator.h"

#include <algorithm>
#include <limits>

namespace profbufd::unwind {

ExtentAllocator::ExtentAllocator(std::uint32_t units, std::uint64_t quarantine_ns)
    : units_(units), quarantine_ns_(quarantine_ns) {
  if (units_ > 0) add_free(0, units_);
}

std::optional<std::uint32_t> ExtentAllocator::allocate(std::uint32_t n) {
  if (n == 0) return std::nullopt;
  for (auto it = free_by_first_.begin(); it != free_by_first_.end(); ++it) {
    if (it->second < n) continue;
    const std::uint32_t first = it->first;
    const std::uint32_t rest = it->second - n;
    free_by_first_.erase(it);
    if (rest > 0) free_by_first_.emplace(first + n, rest);
    free_ -= n;
    return first;
  }
  return std::nullopt;
}

void ExtentAllocator::release(std::uint32_t first, std::uint32_t n, std::uint64_t now_ns) {
  if (n == 0) return;
  held_.push_back(Held{first, n, now_ns + quarantine_ns_});
  quarantined_ += n;
}

void ExtentAllocator::reclaim(std::uint64_t now_ns) {
  std::size_t kept = 0;
  for (const Held& h : held_) {
    if (h.until_ns <= now_ns) {
      quarantined_ -= h.n;
      add_free(h.first, h.n);
    } else {
      held_[kept++] = h;
    }
  }
  held_.resize(kept);
}

void ExtentAllocator::add_free(std::uint32_t first, std::uint32_t n) {
  free_ += n;
  auto next = free_by_first_.lower_bound(first);
  if (next != free_by_first_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == first) {  // merge with the extent before
      first = prev->first;
      n += prev->second;
      free_by_first_.erase(prev);
    }
  }
  if (next != free_by_first_.end() && first + n == next->first) {  // and the one after
    n += next->second;
    free_by_first_.erase(next);
  }
  free_by_first_.emplace(first, n);
}

std::uint32_t ExtentAllocator::largest_free() const {
  std::uint32_t best = 0;
  for (const auto& [first, n] : free_by_first_) best = std::max(best, n);
  return best;
}

bool ExtentAllocator::fits_after_quarantine(std::uint32_t n) const {
  if (largest_free() >= n) return true;
  ExtentAllocator later = *this;
  later.reclaim(std::numeric_limits<std::uint64_t>::max());
  return later.largest_free() >= n;
}

std::uint64_t ExtentAllocator::quarantine_end_ns() const {
  std::uint64_t end = 0;
  for (const Held& h : held_) end = std::max(end, h.until_ns);
  return end;
}

}  // namespace profbufd::unwind
