#include "capture/cpu_list.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <unistd.h>

namespace profbufd::capture {
namespace {

using V = std::vector<int>;

V parse_ok(std::string_view text) {
  auto r = parse_cpu_list(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().line());
  return r.ok() ? *r : V{};
}

TEST(CpuListTest, SingleCpu) { EXPECT_EQ(parse_ok("0\n"), V({0})); }

TEST(CpuListTest, Range) { EXPECT_EQ(parse_ok("0-3\n"), V({0, 1, 2, 3})); }

TEST(CpuListTest, MixedItemsAsInTheKernelDocs) {
  EXPECT_EQ(parse_ok("0-3,5,7-8\n"), V({0, 1, 2, 3, 5, 7, 8}));
}

TEST(CpuListTest, SortsAndDeduplicates) {
  EXPECT_EQ(parse_ok("7,2-4,3,0"), V({0, 2, 3, 4, 7}));
}

TEST(CpuListTest, ToleratesSurroundingWhitespace) {
  EXPECT_EQ(parse_ok("  1 - 2 , 4 \n"), V({1, 2, 4}));
}

TEST(CpuListTest, DegenerateRange) { EXPECT_EQ(parse_ok("5-5"), V({5})); }

TEST(CpuListTest, RejectsMalformedInput) {
  for (std::string_view bad : {"", "\n", "a", "1,", ",1", "1,,2", "1-", "-1", "3-1",
                               "1-2-3", "0x3", "+1", "1 2", "99999999999"}) {
    auto r = parse_cpu_list(bad);
    EXPECT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
  }
}

TEST(CpuListTest, RejectsIdsAboveTheGuard) {
  EXPECT_FALSE(parse_cpu_list(std::to_string(kMaxCpuId + 1)).ok());
  EXPECT_TRUE(parse_cpu_list(std::to_string(kMaxCpuId)).ok());
}

TEST(CpuListTest, ErrorNamesTheInput) {
  auto r = parse_cpu_list("0-3,x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().line().find("0-3,x"), std::string::npos) << r.error().line();
  EXPECT_NE(r.error().line().find("\"x\""), std::string::npos) << r.error().line();
}

TEST(CpuListTest, ReadsAFile) {
  char path[] = "/tmp/cpu_list_testXXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  {
    std::ofstream f(path);
    f << "0-1,3\n";
  }
  auto r = read_cpu_list(path);
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(*r, V({0, 1, 3}));
  ::close(fd);
  std::remove(path);
}

TEST(CpuListTest, ReadingAMissingFileIsAnErrorNamingIt) {
  auto r = read_cpu_list("/nonexistent/profbufd/online");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().line().find("/nonexistent/profbufd/online"), std::string::npos);
}

TEST(CpuListTest, ReadsTheFixture) {
  auto r = read_cpu_list("tests/fixtures/capture/cpu_online_sparse");
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(*r, V({0, 1, 2, 3, 5, 7, 8}));
}

}  // namespace
}  // namespace profbufd::capture
