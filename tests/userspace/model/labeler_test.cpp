// Labels of who each sample belongs to, built into real profiles: a cgroup
// tree laid out in a scratch directory stands in for the cgroup2 mount (ids
// are inode numbers there), a window's process identities stand in for what
// the reader read from /proc.
#include "model/labeler.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>

#include "../cgroup/fake_cgroup.h"
#include "../scratch_dir.h"
#include "cgroup/proc_cgroup.h"
#include "kinds/cpu/cpu_kind.h"
#include "model/profile_builder.h"
#include "process/process_identity.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
namespace {

using test::make_cgroup;
const std::string& kId = test::kContainerId;

class LabelerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_cgroup(dir_.path());
    nginx_ = make_cgroup(dir_.file("system.slice/nginx.service"));
    container_ = make_cgroup(dir_.file("libpod_parent/libpod-" + kId));
    docker_scope_ = make_cgroup(dir_.file("system.slice/docker-" + kId + ".scope"));
  }

  // One stack of `comm`/`pid` in cgroup `cgroup_id`, one tick.
  void add(Window& w, const char* comm, std::uint32_t pid, std::uint64_t cgroup_id) {
    const auto task = static_cast<std::uint32_t>(w.tasks.size() + 1);
    std::array<char, PROFBUFD_COMM_LEN> name{};
    std::strncpy(name.data(), comm, name.size() - 1);
    w.tasks[task] = name;
    StackInfo info;
    info.user_status = PROFBUFD_STACK_NOT_COLLECTED;
    const std::uint64_t key[] = {RecordHeader::pid_tid(pid, pid), StackTable::task_word(task, 0),
                                 cgroup_id, info.pack()};
    const std::uint64_t tick[] = {1, 10'000'000};
    w.stacks.add(key, tick);
  }

  Profile build(const Window& w) {
    Symbolizer sym(Symbolizer::Options{.procfs_root = dir_.path()});
    return build_profile(w, cpu_, sym, ProfileContext{.cpus = 1}, &labeler_);
  }

  static std::map<std::string, std::string> labels_of(const Sample& s) {
    std::map<std::string, std::string> m;
    for (const Label& l : s.labels) m[l.key] = l.numeric ? std::to_string(l.num) : l.str;
    return m;
  }

  test::ScratchDir dir_;
  std::uint64_t root_ = 0, nginx_ = 0, container_ = 0, docker_scope_ = 0;
  cgroup::CgroupResolver resolver_{dir_.path()};
  Labeler labeler_{resolver_};
  kinds::cpu::CpuKind cpu_{kinds::cpu::CpuConfig{.frequency_hz = 100}};
};

TEST_F(LabelerTest, LabelsContainerUnitAndTheServiceNameConvention) {
  Window w(PROFBUFD_KIND_CPU, 2, 0, 10, 1);
  add(w, "sh", 100, container_);
  add(w, "nginx", 200, nginx_);
  add(w, "dockerd-child", 300, docker_scope_);
  add(w, "kworker/0:1", 0, root_);
  auto ns = std::make_shared<ProcessIdentity>();
  ns->nspid = 1;
  w.identities[100] = ns;
  const Profile p = build(w);
  ASSERT_EQ(p.samples.size(), 4u);

  const auto c = labels_of(p.samples[0]);
  EXPECT_EQ(c.at("cgroup"), "/libpod_parent/libpod-" + kId);
  EXPECT_EQ(c.at("container_id"), kId);
  EXPECT_EQ(c.at("service_name"), kId);  // no unit: the container
  EXPECT_EQ(c.at("nspid"), "1");
  EXPECT_FALSE(c.contains("systemd_unit"));

  const auto n = labels_of(p.samples[1]);
  EXPECT_EQ(n.at("systemd_unit"), "nginx.service");
  EXPECT_EQ(n.at("service_name"), "nginx.service");
  EXPECT_FALSE(n.contains("container_id"));
  EXPECT_FALSE(n.contains("nspid"));

  // A container's own scope names the container, not a service.
  const auto d = labels_of(p.samples[2]);
  EXPECT_EQ(d.at("systemd_unit"), "docker-" + kId + ".scope");
  EXPECT_EQ(d.at("service_name"), kId);

  const auto k = labels_of(p.samples[3]);
  EXPECT_EQ(k.at("cgroup"), "/");
  EXPECT_EQ(k.at("service_name"), "kworker/0:1");  // nothing else: the comm
  EXPECT_EQ(resolver_.stats().walks, 1u);          // one walk for the window
}

TEST_F(LabelerTest, AnUnknownIdFallsBackToWhatProcSaid) {
  Window w(PROFBUFD_KIND_CPU, 2, 0, 10, 1);
  add(w, "gone", 100, 987'654'321);  // the container's cgroup was removed
  add(w, "unknown", 200, 987'654'322);
  auto id = std::make_shared<ProcessIdentity>();
  id->cgroups = *cgroup::parse_proc_cgroup("4:memory:/x\n0::/libpod_parent/libpod-" + kId + "\n");
  w.identities[100] = id;
  const Profile p = build(w);
  ASSERT_EQ(p.samples.size(), 2u);
  EXPECT_EQ(labels_of(p.samples[0]).at("container_id"), kId);
  const auto u = labels_of(p.samples[1]);
  EXPECT_FALSE(u.contains("cgroup"));
  EXPECT_EQ(u.at("service_name"), "unknown");
}

TEST_F(LabelerTest, WithoutCgroupV2TheV1PathIsUsed) {
  cgroup::CgroupResolver none("");
  Labeler labeler(none);
  Window w(PROFBUFD_KIND_CPU, 2, 0, 10, 1);
  add(w, "nginx", 100, 1);  // a v1-only host: every record has the root's id
  auto id = std::make_shared<ProcessIdentity>();
  id->cgroups = *cgroup::parse_proc_cgroup("2:cpu:/system.slice/nginx.service\n"
                                           "1:name=systemd:/system.slice/nginx.service\n");
  w.identities[100] = id;
  Symbolizer sym(Symbolizer::Options{.procfs_root = dir_.path()});
  const Profile p = build_profile(w, cpu_, sym, ProfileContext{.cpus = 1}, &labeler);
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(labels_of(p.samples[0]).at("systemd_unit"), "nginx.service");
}

TEST_F(LabelerTest, SelectionsKeepACgroupItsDescendantsAndContainers) {
  Window w(PROFBUFD_KIND_CPU, 2, 0, 10, 1);
  add(w, "sh", 100, container_);
  add(w, "nginx", 200, nginx_);
  add(w, "init", 1, root_);
  w.cgroups = {"/system.slice"};
  Profile p = build(w);
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].comm, "nginx");

  w.cgroups = {"/system.slice/nginx"};  // a prefix of a name is not a parent
  EXPECT_TRUE(build(w).samples.empty());

  w.cgroups.clear();
  w.containers = {kId.substr(0, 12)};
  p = build(w);
  ASSERT_EQ(p.samples.size(), 1u);
  EXPECT_EQ(p.samples[0].comm, "sh");

  w.cgroups = {"/"};
  EXPECT_EQ(build(w).samples.size(), 3u);

  // Without a labeler nothing can be told to be inside a selection.
  Symbolizer sym(Symbolizer::Options{.procfs_root = dir_.path()});
  EXPECT_TRUE(build_profile(w, cpu_, sym, ProfileContext{.cpus = 1}).samples.empty());
}

TEST_F(LabelerTest, ChangesTheWindowSpannedAreInItsMetadata) {
  Window w(PROFBUFD_KIND_CPU, 2, 0, 10, 1);
  add(w, "sh", 100, container_);
  w.changes = {"at 2026-12-01T12:00:00Z: pids none -> 100"};
  const Profile p = build(w);
  const auto& d = p.metadata.details;
  EXPECT_NE(std::find(d.begin(), d.end(), std::pair<std::string, std::int64_t>{"settings_changes", 1}),
            d.end());
  const auto& c = p.metadata.comments;
  EXPECT_NE(std::find(c.begin(), c.end(),
                      "settings changed: at 2026-12-01T12:00:00Z: pids none -> 100"),
            c.end());
}

}  // namespace
}  // namespace profbufd
