// Who a process belongs to, from real /proc/PID/cgroup files of every layout
// (tests/fixtures/cgroup/README.md says where each comes from): parse the
// file, pick the path that says most, read container, pod and unit from it.
#include "cgroup/cgroup_path.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "../fixtures.h"
#include "cgroup/proc_cgroup.h"
#include "common/file_text.h"

namespace profbufd::cgroup {
namespace {

struct Expected {
  const char* file;
  bool v2_mounted;
  const char* path;
  const char* container_id;
  const char* pod_uid;
  const char* unit;
  bool unit_is_container;
};

CgroupIdentity identity_of(const std::string& file, bool v2_mounted, std::string& path) {
  const FileText f = read_file_text(test::fixture("cgroup", file));
  EXPECT_EQ(f.err, 0) << file;
  auto lines = parse_proc_cgroup(f.text);
  EXPECT_TRUE(lines.ok()) << file << ": " << (lines.ok() ? "" : lines.error().line());
  path = lines.ok() ? identity_path(*lines, v2_mounted) : "";
  return describe_cgroup(path);
}

class EveryLayout : public ::testing::TestWithParam<Expected> {};

TEST_P(EveryLayout, YieldsItsContainerPodAndUnit) {
  const Expected& e = GetParam();
  std::string path;
  const CgroupIdentity id = identity_of(e.file, e.v2_mounted, path);
  EXPECT_EQ(path, e.path) << e.file;
  EXPECT_EQ(id.container_id, e.container_id) << e.file;
  EXPECT_EQ(id.pod_uid, e.pod_uid) << e.file;
  EXPECT_EQ(id.systemd_unit, e.unit) << e.file;
  EXPECT_EQ(id.unit_is_container, e.unit_is_container) << e.file;
}

constexpr const char* kPodmanSystemd =
    "24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5";
constexpr const char* kPodman =
    "361b5aabcd67288872dc196b88abff1b3bcf649c826f56b077c6e2ced42737bc";

INSTANTIATE_TEST_SUITE_P(
    Fixtures, EveryLayout,
    ::testing::Values(
        // podman, cgroupfs manager, hybrid host (this VM): the v2 line.
        Expected{"podman-cgroupfs-hybrid.txt", true,
                 "/libpod_parent/libpod-361b5aabcd67288872dc196b88abff1b3bcf649c826f56b077c6e2ced42737bc",
                 kPodman, "", "", false},
        // Same file on a host without cgroup v2 mounted: the v1 path is the same.
        Expected{"podman-cgroupfs-hybrid.txt", false,
                 "/libpod_parent/libpod-361b5aabcd67288872dc196b88abff1b3bcf649c826f56b077c6e2ced42737bc",
                 kPodman, "", "", false},
        Expected{"podman-systemd-v2.txt", true,
                 "/machine.slice/libpod-2f1b8a51c06a4b61dc6b95ac5c4e11d43e8be57cda0a53a5f3fcf4b9a7bc2e90.scope/container",
                 "2f1b8a51c06a4b61dc6b95ac5c4e11d43e8be57cda0a53a5f3fcf4b9a7bc2e90", "",
                 "libpod-2f1b8a51c06a4b61dc6b95ac5c4e11d43e8be57cda0a53a5f3fcf4b9a7bc2e90.scope",
                 true},
        // The container's monitor is not the container.
        Expected{"podman-conmon-v2.txt", true,
                 "/machine.slice/libpod-conmon-2f1b8a51c06a4b61dc6b95ac5c4e11d43e8be57cda0a53a5f3fcf4b9a7bc2e90.scope",
                 "", "",
                 "libpod-conmon-2f1b8a51c06a4b61dc6b95ac5c4e11d43e8be57cda0a53a5f3fcf4b9a7bc2e90.scope",
                 false},
        // podman, systemd manager, hybrid host (a real capture): the v2 line
        // names the container's own sub-cgroup; v1's name=systemd its scope.
        Expected{"podman-systemd-hybrid.txt", true,
                 "/machine.slice/libpod-24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5.scope/container",
                 kPodmanSystemd, "", "libpod-24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5.scope", true},
        Expected{"podman-systemd-hybrid.txt", false,
                 "/machine.slice/libpod-24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5.scope", kPodmanSystemd,
                 "", "libpod-24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5.scope", true},
        // Its monitor, as the host sees it: a unit, no container.
        Expected{"podman-conmon-systemd-hybrid.txt", true,
                 "/machine.slice/libpod-conmon-24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5.scope", "", "",
                 "libpod-conmon-24fce7291bc6d7f8a5965a5920740b0df25dda9bb4e84ffb889d8ea2927acec5.scope", false},
        // docker, cgroupfs driver, v1 only (no name=systemd line).
        Expected{"docker-cgroupfs-v1.txt", false,
                 "/4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970",
                 "4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970", "", "", false},
        Expected{"docker-systemd-v1.txt", false,
                 "/system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope",
                 "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d", "",
                 "docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope",
                 true},
        Expected{"docker-systemd-v2.txt", true,
                 "/system.slice/docker-3726184226f5d3147c25fdeab5b60097e378e8a720503a5e19ecfdf29f869860.scope",
                 "3726184226f5d3147c25fdeab5b60097e378e8a720503a5e19ecfdf29f869860", "",
                 "docker-3726184226f5d3147c25fdeab5b60097e378e8a720503a5e19ecfdf29f869860.scope",
                 true},
        Expected{"containerd-kubepods-systemd-v2.txt", true,
                 "/kubepods.slice/kubepods-burstable.slice/"
                 "kubepods-burstable-poddde1244b_5bb5_4297_b544_85f3bc0d80bf.slice/"
                 "cri-containerd-acb62391578595ec849d87d8556369cee7f935f0425097fd5f870df0e8aabd3c.scope",
                 "acb62391578595ec849d87d8556369cee7f935f0425097fd5f870df0e8aabd3c",
                 "dde1244b-5bb5-4297-b544-85f3bc0d80bf",
                 "cri-containerd-acb62391578595ec849d87d8556369cee7f935f0425097fd5f870df0e8aabd3c.scope",
                 true},
        Expected{"containerd-kubepods-static-pod-v2.txt", true,
                 "/kubepods.slice/kubepods-podbd12dd3393227d950605a2444b13c27a.slice/"
                 "cri-containerd-d52db56a9c80d536a91354c0951c061187ca46249e64865a12703003d8f42366.scope",
                 "d52db56a9c80d536a91354c0951c061187ca46249e64865a12703003d8f42366",
                 "bd12dd3393227d950605a2444b13c27a",
                 "cri-containerd-d52db56a9c80d536a91354c0951c061187ca46249e64865a12703003d8f42366.scope",
                 true},
        Expected{"containerd-kubepods-cgroupfs-v2.txt", true,
                 "/kubepods/burstable/pod4a163a05-439d-484b-8e53-2968bc15824f/"
                 "cde6dfaf5007ed65aad2d6aed72af91b0f3d95813492f773286e29ae145d20f4",
                 "cde6dfaf5007ed65aad2d6aed72af91b0f3d95813492f773286e29ae145d20f4",
                 "4a163a05-439d-484b-8e53-2968bc15824f", "", false},
        // v1, name=systemd first in preference.
        Expected{"containerd-kubepods-cgroupfs-v1.txt", false,
                 "/kubepods/besteffort/podac04f3f2-1f2c-11e9-b015-1ebee232acfa/"
                 "605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22",
                 "605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22",
                 "ac04f3f2-1f2c-11e9-b015-1ebee232acfa", "", false},
        Expected{"crio-kubepods-cgroupfs-v1.txt", false,
                 "/kubepods/besteffort/pod63b3ebfc-2890-11e9-8154-16bf8ef8d9dc/"
                 "crio-73bfe475650de66df8e2affdc98d440dcbe84f8df83b6f75a68a82eb7026136a",
                 "73bfe475650de66df8e2affdc98d440dcbe84f8df83b6f75a68a82eb7026136a",
                 "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc", "", false},
        Expected{"crio-kubepods-systemd-v2.txt", true,
                 "/kubepods.slice/kubepods-besteffort.slice/"
                 "kubepods-besteffort-pod63b3ebfc_2890_11e9_8154_16bf8ef8d9dc.slice/"
                 "crio-17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f.scope",
                 "17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f",
                 "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc",
                 "crio-17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f.scope",
                 true},
        Expected{"systemd-service-v2.txt", true, "/system.slice/nginx.service", "", "",
                 "nginx.service", false},
        Expected{"user-session-v2.txt", true, "/user.slice/user-1000.slice/session-3.scope", "",
                 "", "session-3.scope", false},
        Expected{"root-v2.txt", true, "/", "", "", "", false},
        // A hybrid host's process outside any container: v2 root, v1 root.
        Expected{"host-root-hybrid.txt", true, "/", "", "", "", false}));

TEST(DescribeCgroup, ARuntimeSubCgroupKeepsTheContainer) {
  const CgroupIdentity id = describe_cgroup(
      "/system.slice/docker-3726184226f5d3147c25fdeab5b60097e378e8a720503a5e19ecfdf29f869860.scope/"
      "init.scope");
  EXPECT_EQ(id.container_id, "3726184226f5d3147c25fdeab5b60097e378e8a720503a5e19ecfdf29f869860");
  EXPECT_EQ(id.systemd_unit, "init.scope");
  EXPECT_FALSE(id.unit_is_container);
}

TEST(DescribeCgroup, NamesThatOnlyLookLikeIdsAreNot) {
  EXPECT_EQ(container_id_of("docker-abc.scope"), "");
  EXPECT_EQ(container_id_of("libpod-" + std::string(63, 'a')), "");  // 63 digits
  EXPECT_EQ(container_id_of(std::string(64, 'A')), "");              // not lowercase
  EXPECT_EQ(container_id_of("docker.service"), "");
  EXPECT_EQ(container_id_of("runc-" + std::string(64, 'f') + ".scope"), std::string(64, 'f'));
  // "pod<uid>" outside kubepods is just a name.
  EXPECT_EQ(describe_cgroup("/pod4a163a05-439d-484b-8e53-2968bc15824f").pod_uid, "");
  EXPECT_EQ(describe_cgroup("/kubepods/burstable/podnot-a-uid").pod_uid, "");
}

TEST(ProcCgroup, RejectsMalformedLines) {
  EXPECT_FALSE(parse_proc_cgroup("0:/no-second-colon\n").ok());
  EXPECT_FALSE(parse_proc_cgroup("x::/\n").ok());
  EXPECT_FALSE(parse_proc_cgroup("0::relative\n").ok());
  const auto err = parse_proc_cgroup("0::/\n4:memory:\n");
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().line().find("line 2"), std::string::npos) << err.error().line();
  EXPECT_TRUE(parse_proc_cgroup("").ok());
}

// Found by tests/fuzz/proc_cgroup_fuzz.cpp: a line without a colon made the
// parser read its hierarchy number up to line.data() + npos, past the end of
// the text. Here the text ends, in digits, right before an unmapped page.
TEST(ProcCgroup, LineWithoutColonIsNotReadPastTheText) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* map = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  char* const mem = static_cast<char*>(map);
  ASSERT_EQ(mprotect(mem + page, page, PROT_NONE), 0);
  const std::string_view text = "0::/\n12345";
  char* const at = mem + page - text.size();
  std::memcpy(at, text.data(), text.size());
  const auto err = parse_proc_cgroup({at, text.size()});
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().line().find("line 2"), std::string::npos) << err.error().line();
  munmap(map, 2 * page);
}

TEST(ProcCgroup, KeepsColonsInsideThePath) {
  auto lines = parse_proc_cgroup("0::/kubepods-podabc.slice:cri-containerd:fedcba\n");
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ(lines->at(0).path, "/kubepods-podabc.slice:cri-containerd:fedcba");
  EXPECT_EQ(lines->at(0).controllers, "");
}

}  // namespace
}  // namespace profbufd::cgroup
