#include "kinds/heap/heap_books.h"

#include <utility>

namespace profbufd::kinds::heap {
namespace {

std::size_t mix(std::uint64_t h, std::uint64_t w) {
  h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return static_cast<std::size_t>(h);
}

profbufd_heap_counters minus(const profbufd_heap_counters& a, const profbufd_heap_counters& b) {
  return {a.calls - b.calls, a.bytes - b.bytes, a.untracked - b.untracked,
          a.live_full - b.live_full, a.freed - b.freed};
}

}  // namespace

std::size_t HeapBooks::RecordIdHash::operator()(const RecordId& r) const {
  return mix(r.time_ns, r.tid);
}

std::size_t HeapBooks::StackHash::operator()(std::span<const std::uint64_t> k) const {
  std::uint64_t h = k.size();
  for (std::uint64_t w : k) h = mix(h, w);
  return static_cast<std::size_t>(h);
}

HeapBooks::HeapBooks(std::shared_ptr<const HeapProber> prober, std::uint32_t pid,
                     std::uint64_t start_ns, bool in_use)
    : prober_(std::move(prober)), pid_(pid), start_ns_(start_ns), in_use_tracked_(in_use) {}

std::size_t HeapBooks::stack_index(std::span<const std::uint64_t> stack) {
  if (const auto it = stacks_.find(stack); it != stacks_.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(in_use_.size());
  stacks_.emplace(std::vector<std::uint64_t>(stack.begin(), stack.end()), index);
  in_use_.emplace_back();
  return index;
}

void HeapBooks::note(HeaderWords header, std::uint64_t time_ns,
                     std::span<const std::uint64_t> stack) {
  if (!in_use_tracked_) return;
  const RecordHeader h = RecordHeader::unpack(header);
  std::lock_guard lock(mu_);
  if (records_.size() >= kMaxRecords) {
    ++unnoted_;
    return;
  }
  const auto index = static_cast<std::uint32_t>(stack_index(stack));
  records_.emplace(RecordId{h.tid, time_ns}, index);
}

void HeapBooks::begin() {
  const profbufd_heap_counters c = prober_->counters();
  std::lock_guard lock(mu_);
  at_begin_ = c;
}

void HeapBooks::end() {
  // Read outside the lock: the map may hold tens of thousands of entries.
  const std::vector<profbufd_heap_live> live =
      in_use_tracked_ ? prober_->live(pid_) : std::vector<profbufd_heap_live>{};
  const profbufd_heap_counters c = prober_->counters();
  std::lock_guard lock(mu_);
  at_end_ = c;
  for (const profbufd_heap_live& l : live) {
    const auto it = records_.find(RecordId{l.tid, l.time_ns});
    if (it == records_.end()) {
      if (l.time_ns >= start_ns_) ++unmatched_;
      continue;
    }
    InUse& u = in_use_[it->second];
    ++u.objects;
    u.bytes += l.bytes;
  }
}

InUse HeapBooks::in_use(std::span<const std::uint64_t> stack) const {
  std::lock_guard lock(mu_);
  const auto it = stacks_.find(stack);
  return it == stacks_.end() ? InUse{} : in_use_[it->second];
}

std::uint64_t HeapBooks::unmatched() const {
  std::lock_guard lock(mu_);
  return unmatched_;
}

std::uint64_t HeapBooks::unnoted() const {
  std::lock_guard lock(mu_);
  return unnoted_;
}

profbufd_heap_counters HeapBooks::counted() const {
  std::lock_guard lock(mu_);
  return minus(at_end_, at_begin_);
}

}  // namespace profbufd::kinds::heap
