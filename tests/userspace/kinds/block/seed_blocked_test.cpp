#include "kinds/block/seed_blocked.h"

#include <gtest/gtest.h>

namespace profbufd::kinds::block {
namespace {

TEST(SeedBlocked, ParsesStateFlagsAndACommWithSpacesAndParentheses) {
  const auto st = parse_task_stat(
      "4242 (my (odd) name) S 1 4242 4242 0 -1 4194304 120 0 0 0 3 1 0 0 20 0 1 0 100 0\n");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->comm, "my (odd) name");
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->flags, 4194304u);
  EXPECT_TRUE(blocked_user_thread(*st));
}

TEST(SeedBlocked, OnlySleepingUserThreads) {
  const auto kthread = parse_task_stat("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0\n");
  ASSERT_TRUE(kthread);
  EXPECT_FALSE(blocked_user_thread(*kthread));  // PF_KTHREAD
  const auto running = parse_task_stat("7 (spin) R 1 7 7 0 -1 4194304 0 0\n");
  ASSERT_TRUE(running);
  EXPECT_FALSE(blocked_user_thread(*running));
  const auto disk = parse_task_stat("8 (dd) D 1 8 8 0 -1 4194304 0 0\n");
  ASSERT_TRUE(disk);
  EXPECT_TRUE(blocked_user_thread(*disk));
}

TEST(SeedBlocked, MalformedIsNothing) {
  EXPECT_FALSE(parse_task_stat(""));
  EXPECT_FALSE(parse_task_stat("12 (x"));
  EXPECT_FALSE(parse_task_stat("12 (x) S 1 2"));
}

}  // namespace
}  // namespace profbufd::kinds::block
