#include "http/deadlines.h"

#include <gtest/gtest.h>

namespace profbufd::http {
namespace {

using namespace std::chrono_literals;
using Clock = Deadlines::Clock;

TEST(Deadlines, EmptyWaitsForever) {
  Deadlines d;
  EXPECT_EQ(d.wait_ms(Clock::now()), -1);
  EXPECT_TRUE(d.expire(Clock::now()).empty());
}

TEST(Deadlines, ExpiresEarliestFirstAndOnlyThosePassed) {
  const Clock::time_point t0{};
  Deadlines d;
  d.arm(1, t0 + 300ms);
  d.arm(2, t0 + 100ms);
  d.arm(3, t0 + 200ms);
  EXPECT_EQ(d.wait_ms(t0), 100);
  EXPECT_EQ(d.expire(t0 + 99ms), (std::vector<Deadlines::Id>{}));
  EXPECT_EQ(d.expire(t0 + 200ms), (std::vector<Deadlines::Id>{2, 3}));
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.wait_ms(t0 + 200ms), 100);
  EXPECT_EQ(d.wait_ms(t0 + 400ms), 0);
}

TEST(Deadlines, ArmMovesAndDisarmForgets) {
  const Clock::time_point t0{};
  Deadlines d;
  d.arm(1, t0 + 100ms);
  d.arm(1, t0 + 500ms);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_TRUE(d.expire(t0 + 200ms).empty());
  d.arm(2, t0 + 50ms);
  d.disarm(2);
  d.disarm(7);
  EXPECT_EQ(d.wait_ms(t0), 500);
  EXPECT_EQ(d.expire(t0 + 500ms), (std::vector<Deadlines::Id>{1}));
}

TEST(Deadlines, WaitRoundsUpSoItEndsPastTheDeadline) {
  const Clock::time_point t0{};
  Deadlines d;
  d.arm(1, t0 + 1500us);
  EXPECT_EQ(d.wait_ms(t0), 2);
}

}  // namespace
}  // namespace profbufd::http
