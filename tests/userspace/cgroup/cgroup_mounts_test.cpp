#include "cgroup/cgroup_mounts.h"

#include <gtest/gtest.h>

#include "../fixtures.h"

namespace profbufd::cgroup {
namespace {

TEST(CgroupMounts, HybridHostHasV2BesideTheControllers) {
  auto m = read_cgroup_mounts(test::fixture("cgroup", "mountinfo-hybrid.txt"));
  ASSERT_TRUE(m.ok()) << m.error().line();
  EXPECT_EQ(m->v2, "/sys/fs/cgroup/unified");
  EXPECT_EQ(m->v1.size(), 9u);
  EXPECT_EQ(m->v1.front(), "/sys/fs/cgroup/cpu");
}

TEST(CgroupMounts, V2OnlyAndV1Only) {
  auto v2 = read_cgroup_mounts(test::fixture("cgroup", "mountinfo-v2.txt"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->v2, "/sys/fs/cgroup");
  EXPECT_TRUE(v2->v1.empty());
  auto v1 = read_cgroup_mounts(test::fixture("cgroup", "mountinfo-v1.txt"));
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->v2, "");
  EXPECT_EQ(v1->v1, (std::vector<std::string>{"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/memory"}));
}

TEST(CgroupMounts, UnescapesMountPointsAndSkipsBindMountsOfASubtree) {
  auto m = parse_cgroup_mounts(
      "40 1 0:38 /sub /mnt/sub rw - cgroup2 cgroup2 rw\n"
      "41 1 0:38 / /mnt/my\\040cgroups rw shared:5 - cgroup2 cgroup2 rw\n");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->v2, "/mnt/my cgroups");  // the one whose root is the hierarchy's
}

TEST(CgroupMounts, MalformedLineIsAnError) {
  auto m = parse_cgroup_mounts("22 1 254:1 / /\n");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().line().find("line 1"), std::string::npos);
  EXPECT_FALSE(read_cgroup_mounts("/nonexistent/profbufd/mountinfo").ok());
}

}  // namespace
}  // namespace profbufd::cgroup
