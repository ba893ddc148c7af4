#include "kinds/block/still_blocked.h"

#include <algorithm>

namespace profbufd::kinds::block {
namespace {

// Whether `t`'s interval is, or will be, recorded and overlaps `end_ns`.
bool blocked_at(const BlockedThread& t, std::uint64_t end_ns, std::uint64_t min_block_ns) {
  if (!t.sampled || t.since_ns >= end_ns) return false;
  if (t.woken_ns == 0) return end_ns - t.since_ns >= min_block_ns;
  return t.woken_ns > end_ns && t.woken_ns - t.since_ns >= min_block_ns;
}

}  // namespace

std::vector<StillBlocked> still_blocked(std::span<const BlockedThread> threads,
                                        std::uint64_t start_ns, std::uint64_t end_ns,
                                        std::uint64_t min_block_ns,
                                        std::span<const std::uint32_t> pids,
                                        const std::unordered_set<std::uint32_t>& woke_in_window) {
  std::vector<StillBlocked> out;
  if (end_ns <= start_ns) return out;
  for (const BlockedThread& t : threads) {
    if (!blocked_at(t, end_ns, min_block_ns) || woke_in_window.count(t.tid)) continue;
    if (!pids.empty() && std::find(pids.begin(), pids.end(), t.pid) == pids.end()) continue;
    out.push_back(StillBlocked{t, end_ns - std::max(t.since_ns, start_ns)});
  }
  return out;
}

}  // namespace profbufd::kinds::block
