// The BPF program's sampling interval (bpf/heap_sample.h), run here as C++.
#include "heap_sample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

// The interpolated log2 is off by at most 0.0007, so the interval by at most
// 0.0007 ln 2 rate: an error of the whole draw, not of each interval's share.
TEST(HeapSample, IntervalIsMinusLnUTimesTheRateWithinRateOver2000) {
  const __u64 rate = 1 << 16;
  for (__u64 u = 1; u < (1ULL << 32); u += 12'345'677) {
    const double want = -std::log((static_cast<double>(u) + 1) / 4294967296.0) * rate;
    EXPECT_NEAR(static_cast<double>(heap_next_sample(static_cast<__u32>(u), rate)), want,
                0.0005 * rate + 2)
        << "u=" << u;
  }
}

TEST(HeapSample, ExtremesStayFinite) {
  EXPECT_EQ(heap_next_sample(0xffffffffu, 512 * 1024), 0u);  // U = 1: -ln 1 = 0
  // U = 2^-32: 32 ln 2 = 22.18 rates.
  EXPECT_NEAR(static_cast<double>(heap_next_sample(0, 512 * 1024)), 22.18 * 512 * 1024,
              0.01 * 22.18 * 512 * 1024);
}

TEST(HeapSample, MeanIntervalIsTheRate) {
  std::mt19937 gen(12);
  const __u64 rate = 512 * 1024;
  double sum = 0;
  const int n = 200'000;
  for (int i = 0; i < n; ++i) sum += static_cast<double>(heap_next_sample(gen(), rate));
  EXPECT_NEAR(sum / n, static_cast<double>(rate), 0.01 * rate);
}

TEST(HeapSample, Log2OfPowersOfTwoIsExact) {
  for (__u64 e = 0; e <= 32; ++e) EXPECT_EQ(heap_log2_q16(1ULL << e), e << 16);
}

}  // namespace
