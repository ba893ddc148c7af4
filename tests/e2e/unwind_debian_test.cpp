// End to end: profbufd's unwinder on Debian's own binaries, built without
// frame pointers: python3.11 running a Python loop, and gzip, bzip2 and zstd
// compressing a generated text file streamed to them over and over (one
// long-lived process each, output to /dev/null). profbufd (--unwind auto) and
// `perf record --call-graph dwarf` sample the same processes at the same time;
// their top stacks must agree (normalization: perf_stacks.h).
//
// zstd runs with --single-thread --no-asyncio: a thread's stack ends at clone3
// (start_thread), not at the program's entry, and zstd otherwise compresses in
// a worker thread (-T1, the default) or still starts an I/O thread
// (--single-thread alone). Single-threaded, every sample must reach
// __libc_start_main like the other programs' (and the test checks that every
// sample is of the main thread, so no thread escapes the count).
//
// Needs root, BTF, linux-perf, zstd, bzip2 and libc6-dbg (make deps).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "perf_stacks.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_profile.h"
#include "unwind_session.h"
#include "unwind_workloads.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

constexpr unsigned kHz = 499;      // profbufd
constexpr unsigned kPerfHz = 199;  // perf: 16 KiB copied per sample
constexpr int kSeconds = 8;
// Samples per program for a 1% threshold to mean something: at 499 Hz for 8 s
// a program gets ~2000 on half an idle CPU; 200 allows a machine busy enough to
// leave each of the four a twentieth of a CPU.
constexpr std::uint64_t kMinSamples = 200;
// A top stack is compared when the other tool should have seen it this many
// times (its share times the other tool's samples): missing it is then not
// chance (p < 1e-4), but a different stack.
constexpr double kMinExpected = 10;
constexpr std::size_t kTop = 5;

const char* const kPython =
    "def work(n):\n"
    "    return sum(i * i for i in range(n))\n"
    "while True:\n"
    "    work(1000)\n";

struct ProgramRun {
  std::uint32_t pid = 0;
  std::vector<Stack> stacks;  // profbufd's
  StackCounts ours, perf;     // normalized
};

struct DebianRun {
  std::map<std::string, ProgramRun> programs;  // by name
  std::string error;
};

// profbufd and perf on the four programs at once; when perf is done, the
// programs' maps are read (they still run), then profbufd's window ends.
DebianRun profile_programs() {
  DebianRun r;
  TempDir dir;
  const std::string data = generated_text(8u << 20);  // some MB of text
  Subprocess python({"/usr/bin/python3.11", "-c", kPython});
  FedProgram gzip({"/usr/bin/gzip", "-c"}, data);
  FedProgram bzip2({"/usr/bin/bzip2", "-c"}, data);
  FedProgram zstd({"/usr/bin/zstd", "--single-thread", "--no-asyncio", "-q", "-c", "-15"}, data);
  const std::map<std::string, pid_t> pids = {{"python3.11", python.pid()},
                                             {"gzip", gzip.pid()},
                                             {"bzip2", bzip2.pid()},
                                             {"zstd", zstd.pid()}};
  SessionOptions o;
  o.hz = kHz;
  o.duration = std::chrono::seconds(kSeconds + 2);  // perf's kSeconds fall inside
  // The native walk against perf's: Python frames would replace the
  // evaluator's (tests/e2e/python_test.cpp checks those).
  o.args = {"--no-python"};
  for (const auto& [name, pid] : pids) o.pids.push_back(pid);
  std::this_thread::sleep_for(300ms);  // python3.11 past its start-up
  ProfbufdSession s(o);
  if (!s.ready()) {
    r.error = "profbufd did not start: " + s.err();
    return r;
  }
  auto perf = perf_dwarf_stacks(o.pids, kPerfHz, kSeconds, dir.path.string(), r.error);
  std::map<std::string, std::vector<Mapping>> maps;
  for (const auto& [name, pid] : pids) maps[name] = read_maps(pid);
  if (const int st = s.finish(); st != 0)
    r.error += "profbufd exited " + std::to_string(st) + ": " + s.err();
  const Profile p = s.profile();
  for (const auto& [name, pid] : pids) {
    ProgramRun& pr = r.programs[name];
    pr.pid = static_cast<std::uint32_t>(pid);
    pr.stacks = p.of(pr.pid);
    pr.ours = profbufd_counts(pr.stacks, maps[name]);
    pr.perf = std::move(perf[pid]);
  }
  return r;
}

const DebianRun& debian_run() {
  static const DebianRun run = profile_programs();
  return run;
}

std::uint64_t total(const StackCounts& c) {
  std::uint64_t n = 0;
  for (const auto& [k, v] : c) n += v;
  return n;
}

// Whether perf unwound a stack to the entry: its next-to-outermost frame is the
// call in libc (__libc_start_main) of the outermost, _start. perf's own cut
// stacks (its copy of the stack too short) are left out of its top stacks.
bool perf_complete(const StackKey& k) {
  return k.size() >= 3 && k[k.size() - 2].rfind("libc.so.6+", 0) == 0;
}

std::string join(const StackKey& k) {
  std::string o;
  for (const auto& f : k) o += (o.empty() ? "" : " <- ") + f;
  return o;
}

// The top `kTop` stacks of `from` (those `eligible`) that `in` should have
// seen at least kMinExpected times must be in `in`; returns how many were
// compared, adding what is missing to `missing`.
template <typename Eligible>
int check_top(const StackCounts& from, const StackCounts& in, Eligible eligible,
              const std::string& direction, std::vector<std::string>& missing) {
  std::vector<std::pair<std::uint64_t, StackKey>> order;
  for (const auto& [k, n] : from)
    if (eligible(k)) order.emplace_back(n, k);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  const double from_total = static_cast<double>(total(from)),
               in_total = static_cast<double>(total(in));
  int compared = 0;
  for (std::size_t i = 0; i < order.size() && i < kTop; ++i) {
    const auto& [n, k] = order[i];
    if (static_cast<double>(n) / from_total * in_total < kMinExpected) break;
    ++compared;
    if (!in.contains(k))
      missing.push_back(direction + " (" + std::to_string(n) + " samples): " + join(k));
  }
  return compared;
}

class UnwindDebianE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    PROFBUFD_REQUIRE_BPF_OR_SKIP();
    ASSERT_TRUE(debian_run().error.empty()) << debian_run().error;
  }
  const ProgramRun& program() const { return debian_run().programs.at(GetParam()); }
};

// ≥ 99% of the program's samples have a user stack that reaches
// __libc_start_main / _start; all are of its main thread.
TEST_P(UnwindDebianE2E, UserStacksReachTheEntry) {
  const ProgramRun& p = program();
  const double f = fraction(p.stacks, reaches_entry);
  std::printf(
      "[unwind] %s: %llu samples, %.2f%% reach the entry, median user depth %zu, "
      "truncated %s\n",
      GetParam().c_str(), static_cast<unsigned long long>(total_samples(p.stacks)), 100 * f,
      median_user_depth(p.stacks), nlohmann::json(truncations(p.stacks)).dump().c_str());
  ASSERT_GE(total_samples(p.stacks), kMinSamples) << "too few samples to judge";
  EXPECT_GE(f, 0.99) << "most frequent stack: " << describe(p.stacks.front());
  for (const auto& s : p.stacks) EXPECT_EQ(s.tid, p.pid) << "a thread other than main";
  int shown = 0;
  for (const auto& s : p.stacks)
    if (!reaches_entry(s) && shown++ < 3)
      std::printf("[unwind] %s: not to the entry: %llu x %s\n", GetParam().c_str(),
                  static_cast<unsigned long long>(s.samples), describe(s).c_str());
}

// The top stacks of each tool are among the other's, frame for frame (leaf:
// same file; callers: same file and call site). Stacks cut at two or three
// frames, as frame pointers give, match none of perf's.
TEST_P(UnwindDebianE2E, TopStacksMatchPerfDwarf) {
  const ProgramRun& p = program();
  std::uint64_t perf_ok = 0;
  for (const auto& [k, n] : p.perf) perf_ok += perf_complete(k) ? n : 0;
  std::printf(
      "[unwind] %s: perf %llu samples (%.1f%% unwound to the entry by perf), profbufd %llu\n",
      GetParam().c_str(), static_cast<unsigned long long>(total(p.perf)),
      total(p.perf) ? 100.0 * static_cast<double>(perf_ok) / static_cast<double>(total(p.perf))
                    : 0.0,
      static_cast<unsigned long long>(total(p.ours)));
  ASSERT_GE(total(p.perf), kMinSamples / 4) << "perf got too few samples to judge";
  std::vector<std::string> missing;
  const int ours = check_top(
      p.ours, p.perf, [](const StackKey&) { return true; }, "profbufd's, not in perf's", missing);
  const int theirs = check_top(p.perf, p.ours, perf_complete, "perf's, not in profbufd's", missing);
  std::printf("[unwind] %s: compared %d of profbufd's top stacks and %d of perf's, %zu differ\n",
              GetParam().c_str(), ours, theirs, missing.size());
  EXPECT_GE(ours, 1) << "no top stack frequent enough to compare";
  EXPECT_GE(theirs, 1) << "no top stack of perf frequent enough to compare";
  for (const auto& m : missing) ADD_FAILURE() << m;

  // The same comparison fails on stacks cut at three frames, as frame
  // pointers leave them on this code: every compared one is then missing.
  StackCounts cut;
  for (const auto& [k, n] : p.ours)
    cut[StackKey(k.begin(), k.begin() + std::min<std::size_t>(3, k.size()))] += n;
  std::vector<std::string> cut_missing;
  const int cut_compared = check_top(
      cut, p.perf, [](const StackKey&) { return true; }, "cut", cut_missing);
  EXPECT_GE(cut_compared, 1);
  EXPECT_EQ(cut_missing.size(), static_cast<std::size_t>(cut_compared));
}

INSTANTIATE_TEST_SUITE_P(UnwindDebian, UnwindDebianE2E,
                         ::testing::Values("python3.11", "gzip", "bzip2", "zstd"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

}  // namespace
}  // namespace profbufd::e2e::unwind
