// BPF cost per sample of the cgroup id and of the kernel filters, as the
// kernel measures it (kernel.bpf_stats_enabled: run_time_ns / run_cnt of each
// program), with the programs of tests/bench/bpf/filter_cost.bpf.c on their
// own cpu-clock events at 2 kHz per CPU while two threads keep both CPUs busy:
//
//   BM_BpfFilterCost/filter:F   F = 0 none, 1 a pid filter (miss), 2 one
//                               cgroup (miss), 3 sixteen cgroups (miss),
//                               4 one cgroup (hit: this process's own)
//
// Counters, ns:
//   cgroup_id   one bpf_get_current_cgroup_id(), warm (in a loop of 100,
//               less the same loop without it)
//   filter      one profbufd_wanted() under filter F, warm, less a pid
//               lookup (which the program does anyway)
//   sample      the CPU kind's whole program on a tick, under filter F: a
//               kept sample (F = 0, 4), or a filtered-out one (F = 1, 2, 3)
//
// Needs root, BTF and cgroup v2 (the miss cases make empty cgroups under the
// cgroup2 mount); skips with the reason otherwise. The timer includes each
// run's own measurement (two clock reads), the same in every program, so
// differences are what the code adds.
#include <benchmark/benchmark.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/filter_cost.skel.h"
#include "capture/cpu_list.h"
#include "capture/shared_maps.h"
#include "cgroup/cgroup_mounts.h"
#include "common/fd.h"
#include "kinds/cpu/perf_events.h"

namespace profbufd {
namespace {

constexpr unsigned kHz = 2000;
constexpr auto kRun = std::chrono::seconds(2);

struct SkelDeleter {
  void operator()(profbufd_bench_filter_cost_bpf* s) const {
    profbufd_bench_filter_cost_bpf__destroy(s);
  }
};

struct ProgStats {
  std::uint64_t ns = 0, runs = 0;
};

ProgStats stats_of(bpf_program* p) {
  bpf_prog_info info{};
  std::uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) != 0) return {};
  return {info.run_time_ns, info.run_cnt};
}

double per_run(const ProgStats& a, const ProgStats& b) {
  return b.runs > a.runs ? static_cast<double>(b.ns - a.ns) / static_cast<double>(b.runs - a.runs)
                         : 0;
}

// Empty cgroups of our own under the cgroup2 mount, removed at the end.
struct EmptyCgroups {
  EmptyCgroups(const std::string& mount, int n) {
    for (int i = 0; i < n; ++i) {
      const std::string d = mount + "/profbufd-bench-" + std::to_string(getpid()) + "-" +
                            std::to_string(i);
      if (mkdir(d.c_str(), 0755) != 0) return;
      dirs.push_back(d);
      fds.emplace_back(open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
  }
  ~EmptyCgroups() {
    fds.clear();
    for (const auto& d : dirs) rmdir(d.c_str());
  }
  std::vector<std::string> dirs;
  std::vector<Fd> fds;
};

// Keeps every CPU busy in this process for `d`.
void spin_all_cpus(std::chrono::steady_clock::duration d) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i)
    threads.emplace_back([&stop] {
      volatile std::uint64_t x = 0;
      while (!stop.load(std::memory_order_relaxed)) x = x + 1;
    });
  std::this_thread::sleep_for(d);
  stop = true;
  for (auto& t : threads) t.join();
}

void BM_BpfFilterCost(benchmark::State& state) {
  const int filter = static_cast<int>(state.range(0));
  auto mounts = cgroup::read_cgroup_mounts();
  if (geteuid() != 0 || access("/sys/kernel/btf/vmlinux", R_OK) != 0 || !mounts.ok() ||
      mounts->v2.empty()) {
    state.SkipWithError("needs root, BTF and a cgroup2 mount");
    return;
  }
  auto cpus = capture::read_cpu_list("/sys/devices/system/cpu/online");
  auto maps = capture::SharedMaps::create(capture::SharedMapSizes{.ringbuf_bytes = 1 << 22});
  if (!cpus || !maps) {
    state.SkipWithError("cannot create the BPF maps");
    return;
  }
  std::unique_ptr<profbufd_bench_filter_cost_bpf, SkelDeleter> skel(
      profbufd_bench_filter_cost_bpf__open());
  if (!skel || !maps->reuse_in(skel->obj) || profbufd_bench_filter_cost_bpf__load(skel.get())) {
    state.SkipWithError("cannot load the benchmark's BPF programs");
    return;
  }
  // The filter of this case.
  EmptyCgroups empty(mounts->v2, filter == 3 ? 16 : 1);
  Fd own(open(mounts->v2.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));  // root: holds us
  std::vector<std::uint32_t> pids;
  std::vector<int> cgroup_fds;
  if (filter == 1) pids.push_back(1);  // init: never the task on a busy CPU here
  if (filter == 2 || filter == 3)
    for (const Fd& f : empty.fds) cgroup_fds.push_back(f.get());
  if (filter == 4) cgroup_fds.push_back(own.get());
  if (!maps->set_filters(pids, cgroup_fds)) {
    state.SkipWithError("cannot set the filters");
    return;
  }
  // The ring fc_sample writes is drained as the loader would, and discarded.
  ring_buffer* ring = ring_buffer__new(maps->ring_fd(),
                                       [](void*, void*, size_t) { return 0; }, nullptr, nullptr);
  std::atomic<bool> draining{true};
  std::thread drain([&] {
    while (draining) ring_buffer__poll(ring, 10);
  });

  bpf_program* progs[] = {skel->progs.fc_base, skel->progs.fc_cgroup_id, skel->progs.fc_wanted,
                          skel->progs.fc_sample};
  std::vector<kinds::cpu::PerfEventSet> events;
  for (bpf_program* p : progs) {
    auto e = kinds::cpu::PerfEventSet::open(p, *cpus, kHz);
    if (e) events.push_back(std::move(e).value());
  }
  const int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  ProgStats before[4], after[4];
  for (auto _ : state) {
    for (int i = 0; i < 4; ++i) before[i] = stats_of(progs[i]);
    const auto t0 = std::chrono::steady_clock::now();
    spin_all_cpus(kRun);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    for (int i = 0; i < 4; ++i) after[i] = stats_of(progs[i]);
  }
  if (stats_fd >= 0) close(stats_fd);
  events.clear();
  draining = false;
  drain.join();
  ring_buffer__free(ring);

  constexpr double kLoops = 100;  // FC_LOOPS
  const double base = per_run(before[0], after[0]);
  state.counters["cgroup_id"] = (per_run(before[1], after[1]) - base) / kLoops;
  state.counters["filter"] = (per_run(before[2], after[2]) - base) / kLoops;
  state.counters["sample"] = per_run(before[3], after[3]);
  state.counters["runs"] = static_cast<double>(after[3].runs - before[3].runs);
  if (stats_fd < 0) state.SkipWithError("kernel.bpf_stats_enabled could not be turned on");
}
BENCHMARK(BM_BpfFilterCost)
    ->ArgName("filter")
    ->DenseRange(0, 4)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace profbufd
