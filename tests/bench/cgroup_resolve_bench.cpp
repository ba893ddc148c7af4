// The userspace cost of knowing who samples belong to, at 1,000 containers:
// a cgroup tree as podman with systemd lays it out,
//   /profbufd-bench-<pid>/machine.slice/libpod-<id>.scope/container
// for 1,000 ids (2,002 directories), made under the real cgroup2 mount when
// run as root (cgroupfs: the ids are kernfs handles), else in a temporary
// directory (the walk then falls back to inode numbers; the label says so).
//
//   BM_CgroupWalk                 one walk of the whole mount (what a miss
//                                 costs); counter: directories
//   BM_CgroupLabels/cold:1        a window with one stack in each of the
//                                 1,000 containers, labelled from a new
//                                 resolver: one walk, then 1,000 identities
//   BM_CgroupLabels/cold:0        the same with the resolver warm (later
//                                 windows): no walk, lookups only
//
// items_processed is cgroup ids: the per-item time is per distinct id.
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cgroup/cgroup_mounts.h"
#include "cgroup/cgroup_resolver.h"
#include "cgroup/cgroup_walk.h"
#include "core/window.h"
#include "model/labeler.h"
#include "profbufd.h"

namespace profbufd {
namespace {

constexpr int kContainers = 1000;

// The tree, made once for the whole run and removed at exit.
struct Tree {
  Tree() {
    auto mounts = cgroup::read_cgroup_mounts();
    if (geteuid() == 0 && mounts.ok() && !mounts->v2.empty()) {
      mount = mounts->v2;
      real = true;
    } else {
      char tmpl[] = "/tmp/profbufd-bench-cgroups-XXXXXX";
      mount = mkdtemp(tmpl);
    }
    base = mount + "/profbufd-bench-" + std::to_string(getpid());
    std::mt19937_64 rng(7);
    for (int i = 0; i < kContainers; ++i) {
      char id[65];
      std::snprintf(id, sizeof id, "%016llx%016llx%016llx%016llx",
                    static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng()),
                    static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng()));
      const std::string leaf = base + "/machine.slice/libpod-" + id + ".scope/container";
      std::filesystem::create_directories(leaf);
      if (!real) std::ofstream(leaf + "/cgroup.procs") << "";
      struct stat st {};
      if (::stat(leaf.c_str(), &st) == 0) ids.push_back(st.st_ino);
      leaves.push_back(leaf);
    }
  }
  ~Tree() {
    // cgroupfs directories go with rmdir, deepest first.
    for (const auto& l : leaves) {
      rmdir(l.c_str());
      rmdir(std::filesystem::path(l).parent_path().c_str());
    }
    rmdir((base + "/machine.slice").c_str());
    rmdir(base.c_str());
    if (!real) std::filesystem::remove_all(mount);
  }
  std::string mount, base;
  bool real = false;
  std::vector<std::string> leaves;
  std::vector<std::uint64_t> ids;  // of the leaves
};

Tree& tree() {
  static Tree t;
  return t;
}

void BM_CgroupWalk(benchmark::State& state) {
  Tree& t = tree();
  std::size_t n = 0;
  for (auto _ : state) {
    auto w = cgroup::walk_cgroups(t.mount, 1 << 20);
    n = w.ok() ? w->size() : 0;
    benchmark::DoNotOptimize(n);
  }
  state.counters["directories"] = static_cast<double>(n);
  state.SetLabel(t.real ? "cgroupfs" : "tmp dir (not root)");
}
BENCHMARK(BM_CgroupWalk)->Unit(benchmark::kMillisecond);

void BM_CgroupLabels(benchmark::State& state) {
  Tree& t = tree();
  const bool cold = state.range(0) != 0;
  Window w(PROFBUFD_KIND_CPU, 1, 0, 1, 1);
  for (std::size_t i = 0; i < t.ids.size(); ++i) {
    const std::uint64_t key[] = {RecordHeader::pid_tid(static_cast<std::uint32_t>(1000 + i), 1),
                                 StackTable::task_word(1, 0), t.ids[i], 0};
    w.stacks.add(key);
  }
  auto warm = std::make_unique<cgroup::CgroupResolver>(t.mount);
  std::size_t found = 0;
  for (auto _ : state) {
    std::unique_ptr<cgroup::CgroupResolver> fresh;
    if (cold) fresh = std::make_unique<cgroup::CgroupResolver>(t.mount);
    cgroup::CgroupResolver& r = cold ? *fresh : *warm;
    Labeler labeler(r);
    labeler.prepare(w);
    found = 0;
    std::vector<Label> labels;
    w.stacks.for_each([&](const StackTable::Entry& e) {
      const auto pid = static_cast<std::uint32_t>(e.key[StackTable::kPidTidWord]);
      const cgroup::CgroupInfo* who = labeler.identify(e.key[StackTable::kCgroupWord], pid);
      found += who && !who->identity.container_id.empty();
      labels.clear();
      labeler.labels(who, pid, "sh", labels);
      benchmark::DoNotOptimize(labels.data());
    });
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.ids.size()));
  state.counters["containers_found"] = static_cast<double>(found);
  state.SetLabel(t.real ? "cgroupfs" : "tmp dir (not root)");
}
BENCHMARK(BM_CgroupLabels)->ArgName("cold")->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace profbufd
