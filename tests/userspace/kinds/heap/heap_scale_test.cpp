#include "kinds/heap/heap_scale.h"

#include <gtest/gtest.h>

#include <cmath>

namespace profbufd::kinds::heap {
namespace {

constexpr std::uint64_t kRate = 512 * 1024;

TEST(HeapScale, SmallAllocationsAreScaledByAboutRateOverSize) {
  // 10 samples of 4 KiB: p = 1 - exp(-4096/524288) ~ 0.00778, scale ~ 128.5.
  const HeapEstimate e = scale_heap_sample(10, 10 * 4096, kRate);
  const double scale = 1.0 / (1.0 - std::exp(-4096.0 / kRate));
  EXPECT_EQ(e.objects, static_cast<std::int64_t>(10 * scale));
  EXPECT_EQ(e.bytes, static_cast<std::int64_t>(10 * 4096 * scale));
  EXPECT_NEAR(scale, 128.5, 0.1);
}

TEST(HeapScale, AllocationsFarAboveTheRateAreNotScaled) {
  // exp(-64) is nothing: an allocation of 64 x the rate is always sampled.
  const HeapEstimate e = scale_heap_sample(3, 3 * 64 * kRate, kRate);
  EXPECT_EQ(e.objects, 3);
  EXPECT_EQ(e.bytes, static_cast<std::int64_t>(3 * 64 * kRate));
}

TEST(HeapScale, ScaleUsesTheAverageSizeOfTheStack) {
  // As Go: 2 samples of 1 KiB and 7 KiB scale as two of 4 KiB.
  EXPECT_EQ(scale_heap_sample(2, 8192, kRate).bytes, scale_heap_sample(2, 2 * 4096, kRate).bytes);
}

TEST(HeapScale, NothingAndRateOneAreUnscaled) {
  EXPECT_EQ(scale_heap_sample(0, 0, kRate).objects, 0);
  EXPECT_EQ(scale_heap_sample(5, 0, kRate).bytes, 0);
  const HeapEstimate every = scale_heap_sample(5, 500, 1);
  EXPECT_EQ(every.objects, 5);
  EXPECT_EQ(every.bytes, 500);
}

}  // namespace
}  // namespace profbufd::kinds::heap
