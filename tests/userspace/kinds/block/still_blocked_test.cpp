#include "kinds/block/still_blocked.h"

#include <gtest/gtest.h>

#include <vector>

namespace profbufd::kinds::block {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

BlockedThread thread(std::uint32_t tid, std::uint64_t since, std::uint64_t woken,
                     std::uint32_t pid = 7, bool sampled = true) {
  BlockedThread t;
  t.tid = tid;
  t.pid = pid;
  t.since_ns = since;
  t.woken_ns = woken;
  t.sampled = sampled;
  return t;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> delays(
    const std::vector<BlockedThread>& threads, std::uint64_t start, std::uint64_t end,
    std::vector<std::uint32_t> pids = {}, std::unordered_set<std::uint32_t> woke = {}) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  for (const auto& b : still_blocked(threads, start, end, 1 * kMs, pids, woke))
    out.emplace_back(b.thread.tid, b.delay_ns);
  return out;
}

TEST(StillBlocked, AThreadBlockedTheWholeWindowIsChargedTheWindow) {
  EXPECT_EQ(delays({thread(1, 100 * kMs, 0)}, 1000 * kMs, 4000 * kMs),
            (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{1, 3000 * kMs}}));
}

TEST(StillBlocked, ABlockThatBeganInsideCountsFromItsStart) {
  EXPECT_EQ(delays({thread(1, 3500 * kMs, 0)}, 1000 * kMs, 4000 * kMs),
            (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{1, 500 * kMs}}));
}

// The map is read a little after the end: a thread that woke in between was
// still blocked at the end, and its record goes to the next window (clipped
// to its start, the end here), so this window takes the part before.
TEST(StillBlocked, AThreadThatWokeAfterTheEndWasBlockedAtIt) {
  EXPECT_EQ(delays({thread(1, 3900 * kMs, 4001 * kMs)}, 1000 * kMs, 4000 * kMs),
            (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{1, 100 * kMs}}));
}

TEST(StillBlocked, BlocksThatEndedBeforeOrBeganAfterTheEndAreNotCharged) {
  EXPECT_TRUE(delays({thread(1, 3900 * kMs, 3990 * kMs),  // its record is in the window
                      thread(2, 4000 * kMs, 0),           // blocked after the end
                      thread(3, 4002 * kMs, 4003 * kMs)},
                     1000 * kMs, 4000 * kMs)
                  .empty());
}

// Only what is (or will be) recorded: sampled blocks of the minimum length.
TEST(StillBlocked, OnlyBlocksThatWillBeRecordedAreCharged) {
  EXPECT_TRUE(delays({thread(1, 3999'500'000, 0),                   // 0.5 ms so far
                      thread(2, 3999'500'000, 4000'200'000),        // 0.7 ms in all
                      thread(3, 100 * kMs, 0, 7, /*sampled=*/false)},
                     1000 * kMs, 4000 * kMs)
                  .empty());
  // Short before the end, long in all: charged.
  EXPECT_EQ(delays({thread(4, 3999'500'000, 4001 * kMs)}, 1000 * kMs, 4000 * kMs),
            (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{4, 500'000}}));
}

TEST(StillBlocked, KeepsTheWindowsProcessesOnly) {
  EXPECT_EQ(delays({thread(1, 0, 0, 7), thread(2, 0, 0, 8)}, 1000 * kMs, 2000 * kMs, {8}),
            (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{2, 1000 * kMs}}));
}

// Read before the end (the last window, at shutdown): a thread shown blocked
// that woke before the end has its record in the window already.
TEST(StillBlocked, AThreadWhoseRecordLandedAfterTheReadingIsNotChargedTwice) {
  EXPECT_EQ(delays({thread(1, 100 * kMs, 0), thread(2, 100 * kMs, 0)}, 1000 * kMs, 4000 * kMs,
                   {}, {1}),
            (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{2, 3000 * kMs}}));
}

TEST(StillBlocked, AnEmptyWindowChargesNothing) {
  EXPECT_TRUE(delays({thread(1, 0, 0)}, 1000 * kMs, 1000 * kMs).empty());
}

}  // namespace
}  // namespace profbufd::kinds::block
