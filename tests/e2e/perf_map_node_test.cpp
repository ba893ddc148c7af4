// End to end: Debian's node with --perf-basic-prof writes /tmp/perf-PID.map;
// profbufd must name the JIT's frames from it (`JS:*hotLoop ...`), and the
// stack must stay whole below them, down to the C runtime's entry. Needs root
// and BTF.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gate.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_profile.h"
#include "unwind_session.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMinSamples = 100;  // of ~2500 at 499 Hz for 5 s on an idle CPU

// hotLoop is a leaf with a loop (the CPU is spent in it); --no-turbo-inlining
// keeps TurboFan from folding it into driver, so both keep frames of their own.
const char* const kScript =
    "function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; "
    "return s; }\n"
    "function driver() { let t = 0; for (let k = 0; k < 200; k++) t += hotLoop(20000 + k); "
    "return t; }\n"
    "for (;;) driver();\n";

bool names(const Frame& f, const char* what) {
  return f.resolved && f.function.find(what) != std::string::npos;
}

// The index of the innermost hotLoop frame, or -1.
long hot_frame(const Stack& s) {
  for (std::size_t i = 0; i < s.user.size(); ++i)
    if (names(s.user[i], "hotLoop")) return static_cast<long>(i);
  return -1;
}

// Below hotLoop: its caller driver, then the rest down to the entry.
bool whole_below_hot_loop(const Stack& s) {
  const long i = hot_frame(s);
  if (i < 0 || static_cast<std::size_t>(i) + 1 >= s.user.size()) return false;
  return names(s.user[static_cast<std::size_t>(i) + 1], "driver") && reaches_entry(s);
}

TEST(PerfMapNodeE2E, NamesJitFramesFromThePerfMapAndKeepsTheStackWhole) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  TempDir dir;
  const std::string script = (dir.path / "hot.js").string();
  std::ofstream(script) << kScript;
  // --perf-basic-prof also has V8 log code events to a file, by default in the cwd.
  Subprocess node({"/usr/bin/node", "--perf-basic-prof", "--no-turbo-inlining",
                   "--no-logfile-per-isolate", "--logfile=" + (dir.path / "v8.log").string(),
                   script});
  ASSERT_TRUE(node.started());
  // node leaves its map behind: removed however the test ends.
  struct Remove {
    std::string path;
    ~Remove() { std::filesystem::remove(path); }
  } perf_map{"/tmp/perf-" + std::to_string(node.pid()) + ".map"};
  std::this_thread::sleep_for(1s);  // past start-up and the first compilations

  SessionOptions o;
  o.pids = {node.pid()};
  o.duration = 5s;
  ProfbufdSession s(o);
  ASSERT_TRUE(s.ready()) << s.err();
  // A window symbolized while profbufd runs, so that /metrics counts its frames.
  EXPECT_FALSE(s.pull("/debug/pprof/profile?seconds=2&format=json").empty());
  const std::string metrics = s.metrics();
  ASSERT_EQ(s.finish(), 0) << s.err();

  const auto pid = static_cast<std::uint32_t>(node.pid());
  const std::vector<Stack> main = s.profile().of(pid, pid);
  const double hot = fraction(main, [](const Stack& st) { return hot_frame(st) >= 0; });
  const double whole = fraction(main, whole_below_hot_loop);
  std::printf("[perf map] node: %llu samples, %.1f%% in a named hotLoop, %.1f%% also whole "
              "below it (driver, then the entry)\n",
              static_cast<unsigned long long>(total_samples(main)), 100 * hot, 100 * whole);
  if (!main.empty()) std::printf("[perf map] top: %s\n", describe(main.front()).c_str());

  ASSERT_GE(total_samples(main), kMinSamples);
  EXPECT_GE(hot, 0.5) << "the script spends its time in hotLoop";
  EXPECT_GE(whole, 0.8 * hot) << "stacks through hotLoop should reach the entry";
  EXPECT_GT(metric(metrics, "profbufd_perf_maps_read_total").value_or(0), 0) << metrics;
  EXPECT_GT(metric(metrics, "profbufd_frames_named_total{source=\"jit_map\"}").value_or(0), 0)
      << metrics;
}

}  // namespace
}  // namespace profbufd::e2e::unwind
