#include "kinds/cpu/cpu_idle.h"

#include <gtest/gtest.h>

namespace profbufd::kinds::cpu {
namespace {

TEST(CpuIdle, ParsesPerCpuIdlePlusIowait) {
  const char* text =
      "cpu  100 0 50 9000 10 0 0 0 0 0\n"
      "cpu0 50 0 25 4000 4 0 0 0 0 0\n"
      "cpu2 50 0 25 5000 6 0 0 0 0 0\n"
      "intr 123 0 0\n"
      "ctxt 456\n";
  auto r = parse_proc_stat_idle(text, 100);
  ASSERT_TRUE(r.ok()) << r.error().line();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], 4004ULL * 10'000'000ULL);
  EXPECT_EQ((*r)[1], 0u);  // offline CPU: no line
  EXPECT_EQ((*r)[2], 5006ULL * 10'000'000ULL);
}

TEST(CpuIdle, RejectsMalformedText) {
  EXPECT_FALSE(parse_proc_stat_idle("intr 1\n", 100).ok());
  EXPECT_FALSE(parse_proc_stat_idle("cpu0 1 2\n", 100).ok());
  EXPECT_FALSE(parse_proc_stat_idle("cpu0 1 2 3 4\n", 0).ok());
}

TEST(CpuIdle, ReadsTheRealFileMonotonically) {
  auto a = read_cpu_idle();
  ASSERT_TRUE(a.ok()) << a.error().line();
  auto b = read_cpu_idle();
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t i = 0; i < a->size(); ++i) EXPECT_GE((*b)[i], (*a)[i]);
}

}  // namespace
}  // namespace profbufd::kinds::cpu
