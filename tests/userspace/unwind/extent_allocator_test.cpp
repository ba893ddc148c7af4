#include "unwind/extent_allocator.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace profbufd::unwind {
namespace {

constexpr std::uint64_t kQ = 1000;  // quarantine of the tests' allocators (ns)

TEST(ExtentAllocatorTest, FirstFitFromTheStart) {
  ExtentAllocator a(10, kQ);
  EXPECT_EQ(a.units(), 10u);
  EXPECT_EQ(a.allocate(3), 0u);
  EXPECT_EQ(a.allocate(4), 3u);
  EXPECT_EQ(a.allocate(3), 7u);
  EXPECT_EQ(a.allocate(1), std::nullopt);
  EXPECT_EQ(a.free_units(), 0u);
  EXPECT_EQ(a.largest_free(), 0u);
}

TEST(ExtentAllocatorTest, ZeroUnitsAreNeverHandedOut) {
  ExtentAllocator a(4, kQ);
  EXPECT_EQ(a.allocate(0), std::nullopt);
  EXPECT_EQ(a.free_units(), 4u);
  ExtentAllocator empty(0, kQ);
  EXPECT_EQ(empty.allocate(1), std::nullopt);
  EXPECT_EQ(empty.largest_free(), 0u);
  EXPECT_FALSE(empty.fits_after_quarantine(1));
}

TEST(ExtentAllocatorTest, TheFirstHoleBigEnoughIsUsed) {
  ExtentAllocator a(20, kQ);
  const auto x = a.allocate(2), y = a.allocate(5), z = a.allocate(3);  // 0, 2, 7
  ASSERT_TRUE(x && y && z);
  a.release(*x, 2, 0);
  a.release(*z, 3, 0);
  a.reclaim(kQ);
  // Free: [0,2) [7,10) [10,20) merged into [7,20).
  EXPECT_EQ(a.largest_free(), 13u);
  EXPECT_EQ(a.allocate(3), 7u);  // [0,2) is too small
  EXPECT_EQ(a.allocate(2), 0u);
  EXPECT_EQ(a.allocate(1), 10u);
}

TEST(ExtentAllocatorTest, ReleasedExtentsMergeWithBothNeighbours) {
  ExtentAllocator a(9, kQ);
  const auto x = a.allocate(3), y = a.allocate(3), z = a.allocate(3);
  ASSERT_TRUE(x && y && z);
  a.release(*x, 3, 0);
  a.release(*z, 3, 0);
  a.reclaim(kQ);
  EXPECT_EQ(a.largest_free(), 3u);
  a.release(*y, 3, 0);
  a.reclaim(kQ);
  EXPECT_EQ(a.largest_free(), 9u);  // [0,3) + [3,6) + [6,9)
  EXPECT_EQ(a.allocate(9), 0u);
}

TEST(ExtentAllocatorTest, QuarantinedExtentsWaitUntilReclaimedInTime) {
  ExtentAllocator a(4, kQ);
  ASSERT_EQ(a.allocate(4), 0u);
  a.release(0, 4, 500);
  EXPECT_EQ(a.quarantined_units(), 4u);
  EXPECT_EQ(a.free_units(), 0u);
  EXPECT_EQ(a.allocate(1), std::nullopt);
  a.reclaim(500 + kQ - 1);
  EXPECT_EQ(a.allocate(1), std::nullopt);
  EXPECT_EQ(a.quarantined_units(), 4u);
  a.reclaim(500 + kQ);  // at `until` exactly
  EXPECT_EQ(a.quarantined_units(), 0u);
  EXPECT_EQ(a.free_units(), 4u);
  EXPECT_EQ(a.allocate(4), 0u);
}

TEST(ExtentAllocatorTest, ReclaimFreesOnlyWhatIsDue) {
  ExtentAllocator a(6, kQ);
  ASSERT_EQ(a.allocate(6), 0u);
  a.release(0, 2, 100);
  a.release(4, 2, 300);
  a.release(2, 2, 200);
  a.reclaim(200 + kQ);
  EXPECT_EQ(a.quarantined_units(), 2u);
  EXPECT_EQ(a.free_units(), 4u);
  EXPECT_EQ(a.largest_free(), 4u);  // [0,2) and [2,4) merged; [4,6) still held
  EXPECT_EQ(a.quarantine_end_ns(), 300 + kQ);
}

TEST(ExtentAllocatorTest, FitsAfterQuarantineCountsHeldExtentsWithoutFreeingThem) {
  ExtentAllocator a(8, kQ);
  ASSERT_EQ(a.allocate(8), 0u);
  a.release(2, 3, 0);
  a.release(5, 1, 0);
  EXPECT_TRUE(a.fits_after_quarantine(4));  // [2,6) once both are reclaimed
  EXPECT_FALSE(a.fits_after_quarantine(5));
  EXPECT_EQ(a.free_units(), 0u);  // asking did not reclaim anything
  EXPECT_EQ(a.quarantined_units(), 4u);
  EXPECT_EQ(a.allocate(1), std::nullopt);
}

TEST(ExtentAllocatorTest, QuarantineEndIsTheLatestHold) {
  ExtentAllocator a(4, kQ);
  EXPECT_EQ(a.quarantine_end_ns(), 0u);
  ASSERT_EQ(a.allocate(4), 0u);
  a.release(0, 1, 700);
  a.release(1, 1, 100);
  EXPECT_EQ(a.quarantine_end_ns(), 700 + kQ);
  a.reclaim(700 + kQ);
  EXPECT_EQ(a.quarantine_end_ns(), 0u);
}

TEST(ExtentAllocatorTest, ReleasingNothingHoldsNothing) {
  ExtentAllocator a(4, kQ);
  a.release(0, 0, 0);
  EXPECT_EQ(a.quarantined_units(), 0u);
  EXPECT_EQ(a.quarantine_end_ns(), 0u);
}

TEST(ExtentAllocatorTest, TheDefaultQuarantineIs50Ms) {
  ExtentAllocator a(1);
  ASSERT_EQ(a.allocate(1), 0u);
  a.release(0, 1, 1'000);
  EXPECT_EQ(a.quarantine_end_ns(), 1'000 + 50'000'000u);
}

TEST(ExtentAllocatorTest, ExhaustionAndRecoveryUnderRandomUse) {
  // Units are conserved and never handed out twice.
  std::mt19937 rng(99);
  ExtentAllocator a(256, kQ);
  std::vector<int> owner(256, -1);
  struct Live {
    std::uint32_t first, n;
  };
  std::vector<Live> live;
  std::uint64_t now = 0;
  for (int step = 0; step < 5000; ++step) {
    now += rng() % 300;
    a.reclaim(now);
    if (live.empty() || rng() % 3 != 0) {
      const std::uint32_t n = 1 + rng() % 16;
      const auto first = a.allocate(n);
      if (!first) {
        EXPECT_LT(a.largest_free(), n);
        continue;
      }
      for (std::uint32_t u = *first; u < *first + n; ++u) {
        ASSERT_EQ(owner[u], -1) << "unit " << u << " handed out twice";
        owner[u] = step;
      }
      live.push_back(Live{*first, n});
    } else {
      const std::size_t i = rng() % live.size();
      a.release(live[i].first, live[i].n, now);
      for (std::uint32_t u = live[i].first; u < live[i].first + live[i].n; ++u) owner[u] = -1;
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    }
    std::uint32_t used = 0;
    for (const Live& l : live) used += l.n;
    ASSERT_EQ(used + a.free_units() + a.quarantined_units(), 256u) << "step " << step;
  }
  for (const Live& l : live) a.release(l.first, l.n, now);
  a.reclaim(now + kQ);
  EXPECT_EQ(a.free_units(), 256u);
  EXPECT_EQ(a.largest_free(), 256u);
}

}  // namespace
}  // namespace profbufd::unwind
