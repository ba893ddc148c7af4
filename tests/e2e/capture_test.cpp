// End to end: load the real BPF sampler, profile tests/programs/spin_chain,
// and check what comes out of the per-CPU ProfBufs. Needs root and BTF
// (PROFBUFD_REQUIRE_BPF_OR_SKIP).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../userspace/capture/read_records.h"
#include "app/capture_setup.h"
#include "cgroup_dir.h"
#include "gate.h"

namespace profbufd {
namespace {

using capture::Capture;
using capture::CaptureStats;
using capture::test_util::drain;
using capture::test_util::Record;
using e2e::Cgroup;
using namespace std::chrono_literals;

constexpr std::uint64_t kKernelSpaceStart = 0xffff800000000000ULL;

// The workload, started through `exec` so that popen's child is the program.
class Workload {
 public:
  explicit Workload(const std::string& args) {
    path_ = std::filesystem::absolute(e2e::build_dir() + "/tests/programs/spin_chain");
    if (!std::filesystem::exists(path_)) return;
    f_ = popen(("exec " + path_.string() + " " + args).c_str(), "r");
    if (f_ == nullptr) return;
    char line[64] = {};
    if (fgets(line, sizeof(line), f_) != nullptr) std::sscanf(line, "pid %d", &pid_);
  }
  ~Workload() {
    if (pid_ > 0) kill(pid_, SIGKILL);
    if (f_ != nullptr) pclose(f_);
  }
  int pid() const { return pid_; }
  const std::filesystem::path& path() const { return path_; }

  // Executable mappings of the workload binary itself: [start, end) ranges.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> exec_ranges() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    std::ifstream maps("/proc/" + std::to_string(pid_) + "/maps");
    const std::string self = std::filesystem::canonical(path_).string();
    std::string line;
    while (std::getline(maps, line)) {
      std::istringstream in(line);
      std::string range, perms, offset, dev, inode, file;
      in >> range >> perms >> offset >> dev >> inode >> file;
      if (perms.size() < 3 || perms[2] != 'x' || file != self) continue;
      const auto dash = range.find('-');
      out.emplace_back(std::stoull(range.substr(0, dash), nullptr, 16),
                       std::stoull(range.substr(dash + 1), nullptr, 16));
    }
    return out;
  }

  // CPU time of all the workload's threads so far, in seconds: the first
  // field of /proc/PID/task/TID/schedstat (nanoseconds on CPU, exact, unlike
  // the tick-sampled utime/stime of /proc/PID/stat).
  double cpu_seconds() const {
    std::uint64_t ns = 0;
    const auto dir = "/proc/" + std::to_string(pid_) + "/task";
    for (const auto& t : std::filesystem::directory_iterator(dir)) {
      std::ifstream f(t.path() / "schedstat");
      std::uint64_t on_cpu = 0;
      if (f >> on_cpu) ns += on_cpu;
    }
    return static_cast<double>(ns) / 1e9;
  }

 private:
  std::filesystem::path path_;
  FILE* f_ = nullptr;
  int pid_ = -1;
};

// The capture as profbufd opens it: every kind registered, made from flags.
CaptureSetup open_cpu(unsigned hz, std::vector<std::uint32_t> pids = {}, bool no_idle = false,
                      std::optional<std::uint64_t> ringbuf_bytes = std::nullopt) {
  cli::Options o;
  o.frequency_hz = hz;
  o.pids = std::move(pids);
  o.no_idle = no_idle;
  o.ringbuf_bytes = ringbuf_bytes;
  auto setup = open_capture(o);
  if (!setup.ok()) ADD_FAILURE() << setup.error().line();
  return setup.ok() ? std::move(setup).value() : CaptureSetup{};
}

struct CaptureRun {
  std::vector<Record> records;
  CaptureStats stats;
  bool all_eof = true;
};

// Runs a capture for `duration`, draining every ProfBuf each 50 ms as the
// reader does (a ProfBuf holds 0.5 s of samples at the average depth,
// capture/sizing.h: left undrained for a second, a busy machine's deep
// stacks overflow it), then stops it and drains every ProfBuf to EOF.
CaptureRun capture_for(Capture& c, std::chrono::milliseconds duration) {
  CaptureRun run;
  const auto take = [&](bool at_end) {
    for (int cpu : c.cpus()) {
      bool eof = false;
      auto recs = drain(c.buffer(cpu), &eof);
      if (at_end) run.all_eof = run.all_eof && eof;
      for (auto& r : recs) run.records.push_back(std::move(r));
    }
  };
  c.start();
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        50ms, until - std::chrono::steady_clock::now()));
    take(false);
  }
  c.stop();
  take(true);
  run.stats = c.stats();
  return run;
}

// CPU time from /proc/stat, in seconds: for "cpu" (all CPUs) or "cpuN".
struct CpuTimes {
  double idle = 0;  // idle + iowait
  double busy = 0;  // user + nice + system + irq + softirq
};
std::map<std::string, CpuTimes> cpu_times() {
  std::map<std::string, CpuTimes> out;
  std::ifstream stat("/proc/stat");
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::string line;
  while (std::getline(stat, line) && line.rfind("cpu", 0) == 0) {
    std::istringstream in(line);
    std::string name;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
                       softirq = 0;
    in >> name >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
    out[name] = {static_cast<double>(idle + iowait) / hz,
                 static_cast<double>(user + nice + system + irq + softirq) / hz};
  }
  return out;
}

bool in_ranges(std::uint64_t a, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& rs) {
  for (const auto& [lo, hi] : rs)
    if (a >= lo && a < hi) return true;
  return false;
}

TEST(CaptureE2ETest, ProfilesACpuBoundWorkloadFilteredToItsPid) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  Workload w("--threads 2 --seconds 30");
  ASSERT_GT(w.pid(), 0) << "could not start " << w.path() << " (make testprogs)";
  const auto exec = w.exec_ranges();
  ASSERT_FALSE(exec.empty()) << "no executable mapping of " << w.path();

  // The workload in a cgroup of its own: every record carries that cgroup's id.
  Cgroup cg("profbufd-e2e-" + std::to_string(getpid()));
  ASSERT_FALSE(cg.path.empty()) << "no cgroup v2 mounted";
  ASSERT_TRUE(cg.add(w.pid())) << cg.path;
  CaptureSetup setup = open_cpu(99, {static_cast<std::uint32_t>(w.pid())});
  ASSERT_TRUE(setup.capture);
  Capture& c = *setup.capture;
  // Built and run on this kernel: CO-RE used the embedded minimized BTF, and the
  // samples below show its relocations (task->mm) were right.
  EXPECT_TRUE(setup.minimized_btf);
  const double cpu_before = w.cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  CaptureRun run = capture_for(c, 2000ms);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_used = w.cpu_seconds() - cpu_before;

  EXPECT_TRUE(run.all_eof);
  ASSERT_FALSE(run.records.empty());
  std::size_t with_chain = 0;
  std::map<std::uint64_t, int> tids;
  for (const Record& r : run.records) {
    ASSERT_FALSE(r.is_overflow()) << "ProfBuf overflowed";
    const RecordHeader h = r.header();
    EXPECT_EQ(h.pid, static_cast<std::uint32_t>(w.pid()));
    EXPECT_EQ(h.kind, PROFBUFD_KIND_CPU);
    EXPECT_EQ(h.value, 1'000'000'000u / 99);  // the tick's period
    EXPECT_EQ(h.cgroup_id, cg.id());
    ++tids[h.tid];
    EXPECT_EQ(r.task()->name(), "spin_chain");
    const StackInfo info = r.info();
    ASSERT_EQ(r.stack.size(), std::size_t{info.kernel_frames} + info.user_frames);
    for (std::size_t i = 0; i < info.kernel_frames; ++i) EXPECT_GE(r.stack[i], kKernelSpaceStart);
    // spin_c, spin_b, spin_a (and thread_main): at least three user frames in
    // the workload's own text.
    std::size_t mine = 0;
    for (std::size_t i = info.kernel_frames; i < r.stack.size(); ++i)
      mine += in_ranges(r.stack[i], exec);
    if (info.user_status == PROFBUFD_STACK_OK && mine >= 3) ++with_chain;
  }
  EXPECT_EQ(tids.size(), 2u) << "samples from both worker threads";
  EXPECT_GE(with_chain, run.records.size() * 9 / 10)
      << with_chain << " of " << run.records.size() << " samples carry the spin chain";

  // Nothing lost: every sample BPF accepted reached a ProfBuf.
  EXPECT_EQ(run.stats.total_drops(), 0u);
  EXPECT_EQ(run.stats.total_samples(), run.records.size());
  EXPECT_EQ(run.stats.kinds.at(PROFBUFD_KIND_CPU).seen, run.records.size());
  EXPECT_EQ(run.stats.malformed_records, 0u);
  EXPECT_EQ(run.stats.misrouted_records, 0u);
  EXPECT_EQ(run.stats.loader_errno, 0);
  EXPECT_GT(run.stats.ringbuf_peak_used_bytes, 0u);
  EXPECT_LE(run.stats.ringbuf_peak_used_bytes, run.stats.ringbuf_capacity_bytes);

  // cpu-clock fires 99 times per second of CPU time, so the workload's own CPU
  // time (not wall time: other jobs may share the CPUs) predicts the count. On
  // an otherwise idle 2-CPU machine that is 99 x 2 threads x 2 s, and the count
  // is within 15% of it. On a busy machine each tick lands on the workload
  // with probability p = its share of the CPUs, so the count is binomial: allow
  // three standard deviations when that is wider than 15%.
  const double ncpus = static_cast<double>(c.cpus().size());
  const double expected = 99.0 * cpu_used;
  const double ticks = 99.0 * ncpus * wall;
  const double p = std::clamp(cpu_used / (ncpus * wall), 0.0, 1.0);
  const double tolerance = std::max(0.15 * expected, 3 * std::sqrt(ticks * p * (1 - p)));
  const double n = static_cast<double>(run.records.size());
  EXPECT_NEAR(n, expected, tolerance)
      << "cpu " << cpu_used << " s over " << wall << " s wall; 99 x 2 x wall = " << 198 * wall;
  std::printf("capture: %zu samples, workload cpu %.2f s, wall %.2f s, peak ring %llu of %llu\n",
              run.records.size(), cpu_used, wall,
              static_cast<unsigned long long>(run.stats.ringbuf_peak_used_bytes),
              static_cast<unsigned long long>(run.stats.ringbuf_capacity_bytes));
}

TEST(CaptureE2ETest, SyscallHeavyWorkloadHasKernelStacks) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  Workload w("--threads 1 --seconds 30 --syscalls");
  ASSERT_GT(w.pid(), 0) << "could not start " << w.path() << " (make testprogs)";
  const auto exec = w.exec_ranges();
  ASSERT_FALSE(exec.empty());

  CaptureSetup setup = open_cpu(99, {static_cast<std::uint32_t>(w.pid())});
  ASSERT_TRUE(setup.capture);
  CaptureRun run = capture_for(*setup.capture, 1500ms);

  ASSERT_FALSE(run.records.empty());
  std::size_t in_kernel = 0, in_kernel_with_user_chain = 0;
  for (const Record& r : run.records) {
    const StackInfo info = r.info();
    if (info.kernel_status == PROFBUFD_STACK_OK) {
      ASSERT_GT(info.kernel_frames, 0);
      ++in_kernel;
      for (std::size_t i = 0; i < info.kernel_frames; ++i)
        EXPECT_GE(r.stack[i], kKernelSpaceStart);
      // The user half of a sample taken in a syscall still walks the caller.
      std::size_t mine = 0;
      for (std::size_t i = info.kernel_frames; i < r.stack.size(); ++i)
        mine += in_ranges(r.stack[i], exec);
      if (mine >= 3) ++in_kernel_with_user_chain;
    } else {
      // Taken in user mode: no kernel frames, and the reason says so.
      EXPECT_EQ(info.kernel_status, PROFBUFD_STACK_EMPTY);
      EXPECT_EQ(info.kernel_frames, 0);
    }
    EXPECT_EQ(info.user_status, PROFBUFD_STACK_OK);
  }
  EXPECT_GE(in_kernel, run.records.size() / 4)
      << in_kernel << " of " << run.records.size() << " samples in the kernel";
  EXPECT_GE(in_kernel_with_user_chain, in_kernel / 2);
  EXPECT_EQ(run.stats.total_drops(), 0u);
}

TEST(CaptureE2ETest, IdleIsItsOwnTaskUnlessNoIdle) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  for (bool no_idle : {false, true}) {
    CaptureSetup setup = open_cpu(99, {}, no_idle);
    ASSERT_TRUE(setup.capture);
    const double idle_before = cpu_times()["cpu"].idle;
    CaptureRun run = capture_for(*setup.capture, 1000ms);
    const double idle_time = cpu_times()["cpu"].idle - idle_before;
    std::size_t idle = 0;
    for (const Record& r : run.records) {
      // A null task was dereferenced here in 2 runs of ~40 at load 11 (an
      // overflow record, or a record without its tag): a failure, not a crash.
      ASSERT_FALSE(r.is_overflow()) << "ProfBuf overflowed";
      if (r.header().pid != 0) continue;
      ASSERT_NE(r.task(), nullptr) << "idle record on cpu " << r.header().cpu << " has no task";
      ++idle;
      EXPECT_EQ(r.task()->name().substr(0, 8), "swapper/") << r.task()->name();
      EXPECT_EQ(r.info().user_status, PROFBUFD_STACK_NOT_COLLECTED);
      EXPECT_EQ(r.info().user_frames, 0);
      EXPECT_EQ(r.task()->name(), "swapper/" + std::to_string(r.header().cpu))
          << "the idle task's comm names its CPU";
    }
    // Only the no-idle case can assert a count: on this kernel the cpu-clock
    // timer rarely fires while a CPU is idle (see SamplesBusyTimeOnEveryCpu),
    // so idle samples are few and not proportional to idle time.
    if (no_idle) {
      EXPECT_EQ(idle, 0u);
    }
    std::printf("capture: no_idle=%d: %zu idle samples; CPUs idle %.2f s\n", no_idle, idle,
                idle_time);
    EXPECT_EQ(run.stats.total_drops(), 0u);
  }
}

TEST(CaptureE2ETest, SamplesBusyTimeOnEveryCpu) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  CaptureSetup setup = open_cpu(49, {}, false, 100000);  // rounded to 128 KiB
  ASSERT_TRUE(setup.capture);
  Capture& c = *setup.capture;
  EXPECT_EQ(c.ringbuf_bytes(), 128u * 1024);
  EXPECT_EQ(c.cpus().size(), static_cast<std::size_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_THROW(c.buffer(100000), std::out_of_range);
  const auto before = cpu_times();
  CaptureRun run = capture_for(c, 2000ms);
  const auto after = cpu_times();
  // The cpu-clock event fires every 1/49 s of time the CPU spends running
  // something. While the CPU idles it may or may not fire: on this VM it mostly
  // does not when the CPU halts, and does while the idle governor polls. So each
  // CPU's count lies between its busy time and the wall time, times 49 Hz.
  for (const auto& cs : run.stats.cpus) {
    const std::string name = "cpu" + std::to_string(cs.cpu);
    const double busy = after.at(name).busy - before.at(name).busy;
    const double at_least = 49 * busy * 0.85 - 3, at_most = 49 * 2.0 * 1.15 + 3;
    EXPECT_GE(static_cast<double>(cs.samples), at_least) << name << " busy " << busy << " s";
    EXPECT_LE(static_cast<double>(cs.samples), at_most) << name << " busy " << busy << " s";
  }
  EXPECT_EQ(run.stats.total_samples(), run.stats.kinds.at(PROFBUFD_KIND_CPU).seen);
  EXPECT_EQ(run.stats.total_drops(), 0u);
  EXPECT_EQ(run.stats.ringbuf_capacity_bytes, 128u * 1024);
  EXPECT_TRUE(run.all_eof);
  c.stop();  // idempotent
}

}  // namespace
}  // namespace profbufd
