// The resolver against a directory tree laid out like a cgroup2 mount (ids
// are inode numbers there, as on a 64-bit kernel's cgroupfs), and the walk
// against the machine's real cgroup2 mount when it has one.
#include "cgroup/cgroup_resolver.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "../scratch_dir.h"
#include "fake_cgroup.h"
#include "cgroup/cgroup_arg.h"
#include "cgroup/cgroup_mounts.h"
#include "cgroup/cgroup_walk.h"

namespace profbufd::cgroup {
namespace {

namespace fs = std::filesystem;

using test::make_cgroup;
const std::string& kId = test::kContainerId;

TEST(CgroupWalk, ListsEveryDirectoryWithItsIdRootFirst) {
  test::ScratchDir d;
  const std::uint64_t root = make_cgroup(d.path());
  const std::uint64_t parent = make_cgroup(d.file("libpod_parent"));
  const std::uint64_t leaf = make_cgroup(d.file("libpod_parent/libpod-" + kId));
  auto tree = walk_cgroups(d.path(), 100);
  ASSERT_TRUE(tree.ok()) << tree.error().line();
  ASSERT_EQ(tree->size(), 3u);
  EXPECT_EQ(tree->at(0).path, "/");
  EXPECT_EQ(tree->at(0).id, root);
  EXPECT_EQ(tree->at(1).path, "/libpod_parent");
  EXPECT_EQ(tree->at(1).id, parent);
  EXPECT_EQ(tree->at(2).path, "/libpod_parent/libpod-" + kId);
  EXPECT_EQ(tree->at(2).id, leaf);
  // Bounded.
  auto two = walk_cgroups(d.path(), 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_FALSE(walk_cgroups(d.file("missing"), 10).ok());
}

TEST(CgroupResolver, WalksOnAMissOnlyAndKeepsRemovedCgroups) {
  test::ScratchDir d;
  make_cgroup(d.path());
  const std::uint64_t a = make_cgroup(d.file("system.slice/nginx.service"));
  CgroupResolver r(d.path());
  const std::uint64_t ids[] = {a};
  r.resolve(ids);
  EXPECT_EQ(r.stats().walks, 1u);
  ASSERT_NE(r.find(a), nullptr);
  EXPECT_EQ(r.find(a)->path, "/system.slice/nginx.service");
  EXPECT_EQ(r.find(a)->identity.systemd_unit, "nginx.service");

  // Known ids: no walk.
  r.resolve(ids);
  EXPECT_EQ(r.stats().walks, 1u);
  EXPECT_EQ(r.stats().hits, 1u);

  // A container that appeared since: one walk for however many new ids.
  const std::uint64_t b = make_cgroup(d.file("libpod_parent/libpod-" + kId));
  const std::uint64_t c = make_cgroup(d.file("libpod_parent/other"));
  const std::uint64_t both[] = {b, c, 999'999'999};
  r.resolve(both);
  EXPECT_EQ(r.stats().walks, 2u);
  ASSERT_NE(r.find(b), nullptr);
  EXPECT_EQ(r.find(b)->identity.container_id, kId);
  ASSERT_NE(r.find(c), nullptr);
  EXPECT_EQ(r.find(999'999'999), nullptr);
  EXPECT_EQ(r.stats().misses, 1u);

  // Gone from the tree, still known (ids are never reused).
  fs::remove_all(d.file("libpod_parent"));
  r.resolve(both);
  ASSERT_NE(r.find(b), nullptr);
  EXPECT_EQ(r.find(b)->identity.container_id, kId);
}

TEST(CgroupResolver, OverItsBoundForgetsWhatTheLastWalkDidNotSee) {
  test::ScratchDir d;
  make_cgroup(d.path());
  const std::uint64_t gone = make_cgroup(d.file("gone"));
  CgroupResolver r(d.path(), 3);
  const std::uint64_t first[] = {gone};
  r.resolve(first);
  ASSERT_NE(r.find(gone), nullptr);
  // Made before "gone" is removed, so that no inode number is reused (a
  // plain file system reuses them; cgroupfs ids never repeat).
  const std::uint64_t x = make_cgroup(d.file("x"));
  const std::uint64_t y = make_cgroup(d.file("y"));
  fs::remove_all(d.file("gone"));
  const std::uint64_t next[] = {x, y};
  r.resolve(next);
  EXPECT_EQ(r.find(gone), nullptr);
  EXPECT_NE(r.find(x), nullptr);
  EXPECT_NE(r.find(y), nullptr);
  EXPECT_LE(r.stats().entries, 3u);
}

TEST(CgroupResolver, WithoutCgroupV2EverythingMissesAndNothingIsWalked) {
  CgroupResolver r("");
  const std::uint64_t ids[] = {1, 2};
  r.resolve(ids);
  EXPECT_EQ(r.stats().walks, 0u);
  EXPECT_EQ(r.find(1), nullptr);
}

// The real cgroupfs: ids come back as kernfs handles, equal to the inode
// numbers on a 64-bit kernel (what the e2e tests compare records against).
TEST(CgroupWalk, RealCgroup2MountGivesKernfsIds) {
  auto mounts = read_cgroup_mounts();
  if (!mounts.ok() || mounts->v2.empty()) GTEST_SKIP() << "no cgroup2 mount";
  auto root = cgroup_id_at(AT_FDCWD, mounts->v2);
  ASSERT_TRUE(root.ok()) << root.error().line();
  struct stat st {};
  ASSERT_EQ(::stat(mounts->v2.c_str(), &st), 0);
  EXPECT_EQ(*root, st.st_ino);
  auto tree = walk_cgroups(mounts->v2, 100000);
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->front().path, "/");
}

TEST(CgroupArg, TakesADirectoryUnderTheMountOrAProcPath) {
  test::ScratchDir d;
  make_cgroup(d.path());
  make_cgroup(d.file("system.slice/nginx.service"));
  auto proc_form = resolve_cgroup_arg("/system.slice/nginx.service/", d.path());
  ASSERT_TRUE(proc_form.ok()) << proc_form.error().line();
  EXPECT_EQ(proc_form->path, "/system.slice/nginx.service");
  EXPECT_EQ(proc_form->dir, d.path() + "/system.slice/nginx.service");
  auto dir_form = resolve_cgroup_arg(d.path() + "//system.slice/./nginx.service", d.path());
  ASSERT_TRUE(dir_form.ok()) << dir_form.error().line();
  EXPECT_EQ(dir_form->path, "/system.slice/nginx.service");
  auto root = resolve_cgroup_arg("/", d.path());
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->path, "/");
  EXPECT_EQ(root->dir, d.path());
}

TEST(CgroupArg, PathUnderMountIsThePathAsProcPrintsIt) {
  EXPECT_EQ(path_under_mount("/sys/fs/cgroup/a/b", "/sys/fs/cgroup"), "/a/b");
  EXPECT_EQ(path_under_mount("/sys/fs/cgroup", "/sys/fs/cgroup"), "/");
  EXPECT_EQ(path_under_mount("/sys/fs/cgroupx/a", "/sys/fs/cgroup"), std::nullopt);
  EXPECT_EQ(path_under_mount("/system.slice", "/sys/fs/cgroup"), std::nullopt);
  EXPECT_EQ(path_under_mount("/system.slice", ""), std::nullopt);
}

TEST(CgroupArg, RefusesWhatIsNoCgroup) {
  test::ScratchDir d;
  make_cgroup(d.path());
  fs::create_directories(d.file("not-a-cgroup"));  // no cgroup.procs
  for (const char* bad : {"/missing", "/not-a-cgroup", "relative/path", "/a/../b"}) {
    auto r = resolve_cgroup_arg(bad, d.path());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ExitCode::kUsage) << bad;
    EXPECT_NE(r.error().line().find(bad), std::string::npos) << r.error().line();
  }
  auto none = resolve_cgroup_arg("/x", "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().line().find("no cgroup v2"), std::string::npos) << none.error().line();
}

}  // namespace
}  // namespace profbufd::cgroup
