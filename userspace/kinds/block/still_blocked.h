// The window-boundary rule of the block kind, on its own so it can be tested.
//
// A blocking interval [since, woken) is recorded when the thread wakes, and a
// window [start, end) takes of such a record only the part after its start
// (Accumulate::kSpan). What is left is the part before `end` of intervals that
// had not ended by then: threads still blocked at the window's end. The map of
// last intervals (kinds/block/blocked_threads.h), read a little after `end`,
// tells them: since < end and (woken == 0 or woken > end). Each gets the part
// of its interval inside the window, max(since, start) .. end, as a sample
// without a contention (the contention is counted once, in the window where
// it ends, which takes the rest). So, over tiling windows, every recorded
// interval is counted exactly once, split at the boundaries, and a thread
// blocked the whole window is charged the whole window.
//
// The map may be read before `end` too (BlockBooks): a thread it shows
// blocked that woke before `end` has a record in the window, and is in
// `woke_in_window`, so it is not charged again.
//
// Only intervals that are or will be recorded are charged: sampled ones whose
// length reaches the minimum (known if the thread woke; if it still sleeps,
// its length so far). A thread that woke after `end` and blocked again before
// the map was read has lost that interval's entry: its part before `end` is
// missing (the read follows `end` within a tick of the run loop, so such
// threads are few and their loss short).
#pragma once

#include <cstdint>
#include <span>
#include <unordered_set>
#include <vector>

#include "kinds/block/blocked_threads.h"

namespace profbufd::kinds::block {

struct StillBlocked {
  BlockedThread thread;
  std::uint64_t delay_ns = 0;  // inside the window
};

// `pids` empty: every process.
std::vector<StillBlocked> still_blocked(std::span<const BlockedThread> threads,
                                        std::uint64_t start_ns, std::uint64_t end_ns,
                                        std::uint64_t min_block_ns,
                                        std::span<const std::uint32_t> pids,
                                        const std::unordered_set<std::uint32_t>& woke_in_window);

}  // namespace profbufd::kinds::block
