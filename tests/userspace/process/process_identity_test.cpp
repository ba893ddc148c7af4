#include "process/process_identity.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "../fixtures.h"
#include "../scratch_dir.h"
#include "common/file_text.h"

namespace profbufd {
namespace {

TEST(NsPid, ReadsEveryNamespaceLevel) {
  // Captured from a podman container's process (host pid, container pid 1).
  EXPECT_EQ(parse_nspid(read_file_text(test::fixture("process", "status-podman.txt")).text),
            (std::vector<std::uint32_t>{22332, 1}));
  EXPECT_EQ(parse_nspid(read_file_text(test::fixture("process", "status-host.txt")).text),
            (std::vector<std::uint32_t>{22450}));
  EXPECT_EQ(parse_nspid("Name:\tx\nNSpid:\t7\t3\t1\nNSsid: 1\n"),
            (std::vector<std::uint32_t>{7, 3, 1}));
  EXPECT_TRUE(parse_nspid("Name:\tx\nPid:\t7\n").empty());  // kernels before 4.1
  EXPECT_TRUE(parse_nspid("NSpid:\t7\tx\n").empty());
}

TEST(ProcessIdentity, ReadsStatusAndCgroupOfAProcfsRoot) {
  test::ScratchDir d;
  std::filesystem::create_directories(d.file("4242"));
  d.file("4242/status",
         read_file_text(test::fixture("process", "status-podman.txt")).text);
  d.file("4242/cgroup",
         read_file_text(test::fixture("cgroup", "podman-cgroupfs-hybrid-host.txt")).text);
  const ProcessIdentity id = read_process_identity(4242, d.path());
  EXPECT_EQ(id.nspid, 1u);
  ASSERT_EQ(id.cgroups.size(), 10u);
  EXPECT_EQ(id.cgroups.back().hierarchy, 0u);

  // A host process: no namespaced pid. A gone one: nothing.
  std::filesystem::create_directories(d.file("7"));
  d.file("7/status", read_file_text(test::fixture("process", "status-host.txt")).text);
  EXPECT_EQ(read_process_identity(7, d.path()).nspid, 0u);
  const ProcessIdentity gone = read_process_identity(8, d.path());
  EXPECT_EQ(gone.nspid, 0u);
  EXPECT_TRUE(gone.cgroups.empty());
}

}  // namespace
}  // namespace profbufd
