// End to end: profbufd's .eh_frame unwinder on the fixtures of
// tests/programs/unwind_nofp.c (-O2 -fomit-frame-pointer), whose call chains
// are known exactly. One profbufd run with --unwind auto samples all fixtures
// at once (their /metrics scraped while it runs), then one with --unwind fp
// shows what frame pointers alone get on the same processes: the checks below
// fail on it. Needs root and BTF (PROFBUFD_REQUIRE_BPF_OR_SKIP).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "subprocess.h"
#include "unwind_chain.h"
#include "unwind_profile.h"
#include "unwind_session.h"
#include "unwind_workloads.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

constexpr const char* kExe = "unwind_nofp";
constexpr const char* kLib = "libunwind_fixture.so";
// Samples each fixture must get for its checks to mean something. At 499 Hz
// for 8 s a fixture gets ~1600 samples with five sharing two idle CPUs; this
// allows a machine busy enough to leave each of them a thirtieth of a CPU.
// (The --unwind fp run is half as long and needs fewer: it only has to show
// that most samples do not reach the entry.)
constexpr std::uint64_t kMinSamples = 120;
constexpr std::uint64_t kMinFpSamples = 40;

// The fixtures, by name, each its own process.
const std::vector<std::pair<std::string, std::vector<std::string>>> kFixtures = {
    {"deep200", {"deep", "200"}}, {"deep300", {"deep", "300"}},
    {"bigframe", {"bigframe"}},   {"plt", {"plt"}},
    {"signal", {"signal"}},
};

struct FixtureRun {
  std::map<std::string, std::uint32_t> pid;  // fixture name -> pid
  Profile automatic, fp;                     // --unwind auto, --unwind fp
  std::string metrics;                       // /metrics of the auto run, near its end
  std::string error;                         // why the run failed, if it did

  std::vector<Stack> stacks(const std::string& fixture, bool use_fp = false) const {
    return (use_fp ? fp : automatic).of(pid.at(fixture));
  }
};

// Runs profbufd on the fixtures for `d` (scraping /metrics 1 s before the end); true if it worked
// (else r.error).
bool profile_fixtures(FixtureRun& r, const std::string& unwind, std::chrono::seconds d,
                      bool scrape) {
  SessionOptions o;
  for (const auto& [name, p] : r.pid) o.pids.push_back(static_cast<pid_t>(p));
  o.unwind = unwind;
  o.duration = d;
  ProfbufdSession s(o);
  if (!s.ready()) {
    r.error = "profbufd --unwind " + unwind + " did not start: " + s.err();
    return false;
  }
  if (scrape) {
    std::this_thread::sleep_for(d - 1s);
    r.metrics = s.metrics();
  }
  if (const int st = s.finish(); st != 0) {
    r.error = "profbufd --unwind " + unwind + " exited " + std::to_string(st) + ": " + s.err();
    return false;
  }
  (unwind == "fp" ? r.fp : r.automatic) = s.profile();
  return true;
}

const FixtureRun& fixture_run() {
  static const FixtureRun run = [] {
    FixtureRun r;
    std::vector<std::unique_ptr<Fixture>> procs;
    for (const auto& [name, args] : kFixtures) {
      procs.push_back(std::make_unique<Fixture>(args));
      if (procs.back()->pid <= 0) {
        r.error = "fixture " + name + " did not start";
        return r;
      }
      r.pid[name] = static_cast<std::uint32_t>(procs.back()->pid);
    }
    if (profile_fixtures(r, "auto", 8s, true)) profile_fixtures(r, "fp", 4s, false);
    return r;
  }();
  return run;
}

void print_summary(const std::string& what, const std::vector<Stack>& st) {
  std::printf("[unwind] %s: %llu samples, %.1f%% reach the entry, median user depth %zu\n",
              what.c_str(), static_cast<unsigned long long>(total_samples(st)),
              100.0 * fraction(st, reaches_entry), median_user_depth(st));
}

class UnwindFixtureE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFBUFD_REQUIRE_BPF_OR_SKIP();
    ASSERT_TRUE(fixture_run().error.empty()) << fixture_run().error;
  }
  // The fixture's stacks under --unwind auto, with enough samples.
  static std::vector<Stack> sampled(const std::string& fixture) {
    auto st = fixture_run().stacks(fixture);
    print_summary(fixture + " (auto)", st);
    EXPECT_GE(total_samples(st), kMinSamples) << fixture << ": too few samples to judge";
    return st;
  }
  // Asserts that at least `share` of the samples are exactly `chain`.
  static void expect_chain(const std::vector<Stack>& st, const std::vector<Step>& chain,
                           double share, const std::string& what) {
    const double f = fraction(st, [&](const Stack& s) { return matches(s, chain); });
    std::printf("[unwind] %s: %.1f%% of samples are the exact chain\n", what.c_str(), 100 * f);
    EXPECT_GE(f, share) << what << ": most frequent stack: "
                        << (st.empty() ? "none" : describe(st.front()));
  }
};

// main -> run_deep -> recurse x 201 (n = 200..0) -> deep_leaf [-> burn]: 208
// user frames from leaf to _start. Ticks taken in the kernel hold fewer user
// frames (the record holds kernel frames too): those, and only those, stop at
// the depth limit and say so.
TEST_F(UnwindFixtureE2E, DeepRecursionReachesTheEntryThrough200Frames) {
  const auto st = sampled("deep200");
  ASSERT_FALSE(st.empty());
  const auto chain = concat({optional("burn", kExe),
                             {"deep_leaf", kExe},
                             repeated("recurse", 201, kExe),
                             {"run_deep", kExe}},
                            entry_tail(kExe));
  expect_chain(st, chain, 0.9, "deep200");
  EXPECT_GE(st.front().user.size(), 200u) << describe(st.front());
  EXPECT_TRUE(reaches_entry(st.front())) << describe(st.front());
  for (const auto& s : st)
    if (!reaches_entry(s)) {
      EXPECT_EQ(s.truncated, "depth_limit") << describe(s);
      EXPECT_GE(s.user.size(), 127u) << describe(s);
    }
}

// 256 KiB of locals: a CFA offset beyond 16 bits, and the stack pointer far
// from the caller's frame.
TEST_F(UnwindFixtureE2E, BigFrameReachesTheEntryThroughTheBigFrame) {
  const auto st = sampled("bigframe");
  const auto chain = concat({optional("burn", kExe),
                             {"bigframe_leaf", kExe},
                             {"big_frame", kExe},
                             {"run_bigframe", kExe}},
                            entry_tail(kExe));
  expect_chain(st, chain, 0.9, "bigframe");
  EXPECT_GE(fraction(st, reaches_entry), 0.99);
}

// main -> run_plt -> (PLT) fixture_lib_spin -> fixture_lib_leaf, both in the
// fixture's own shared library: a second table, and back into the executable.
TEST_F(UnwindFixtureE2E, PltCallIntoTheLibraryUnwindsBackIntoMain) {
  const auto st = sampled("plt");
  const auto chain =
      concat({{"fixture_lib_leaf", kLib}, {"fixture_lib_spin", kLib}, {"run_plt", kExe}},
             entry_tail(kExe));
  expect_chain(st, chain, 0.9, "plt");
  EXPECT_GE(fraction(st, reaches_entry), 0.99);
}

// __restore_rt's ELF address in libc, from libc6-dbg's debug file: the
// return address of a signal handler's frame. 0 if not found.
std::uint64_t restore_rt_offset() {
  const auto r =
      run({"/bin/sh", "-c",
           "id=$(readelf -n /lib/x86_64-linux-gnu/libc.so.6 | awk '/Build ID/{print $3}');"
           "nm \"/usr/lib/debug/.build-id/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-).debug\""
           " | awk '$3 == \"__restore_rt\" {print $1}'"});
  return r.status == 0 && !r.out.empty() ? std::stoull(r.out, nullptr, 16) : 0;
}

// A SIGALRM handler every 10 ms: handler_leaf <- on_signal <- [signal frame:
// __restore_rt] <- the interrupted signal_wait (or burn) <- run_signal <- main.
// profbufd looks frames up at return address - 1, and the signal frame's
// "return address" is __restore_rt itself: the frame shows __restore_rt - 1
// (the nop that glibc puts before it, inside its CFI, for unwinders that do so).
TEST_F(UnwindFixtureE2E, SignalHandlerIsUnwoundThroughTheSignalFrame) {
  const auto st = sampled("signal");
  const std::uint64_t restore_rt = restore_rt_offset();
  ASSERT_NE(restore_rt, 0u) << "__restore_rt not found in libc6-dbg's debug file";
  const std::vector<Step> interrupted = concat(
      {optional("burn", kExe), {"signal_wait", kExe}, {"run_signal", kExe}}, entry_tail(kExe));
  const auto from_handler =
      concat({{"on_signal", kExe}, {"", "libc.so.6", 1, 1, restore_rt - 1}}, interrupted);
  // The leaf is in handler_leaf (or the burn it calls), or in on_signal itself.
  const auto in_leaf = concat({optional("burn", kExe), {"handler_leaf", kExe}}, from_handler);
  auto handler = [&](const Stack& s) { return matches(s, in_leaf) || matches(s, from_handler); };
  std::uint64_t in_handler = 0, through = 0;
  for (const auto& s : st) {
    bool on_signal = false;
    for (const auto& f : s.user) on_signal = on_signal || f.function == "on_signal";
    if (!on_signal) continue;
    in_handler += s.samples;
    if (handler(s))
      through += s.samples;
    else
      EXPECT_FALSE(s.truncated.empty()) << "neither unwound nor counted: " << describe(s);
  }
  std::printf("[unwind] signal: %llu samples in the handler, %llu unwound through __restore_rt\n",
              static_cast<unsigned long long>(in_handler),
              static_cast<unsigned long long>(through));
  EXPECT_GE(in_handler, 1u) << "no sample in the signal handler";
  EXPECT_GE(through, 1u) << "no handler stack unwound through the signal frame";
  const double f =
      fraction(st, [&](const Stack& s) { return matches(s, interrupted) || handler(s); });
  EXPECT_GE(f, 0.9) << describe(st.front());
  const auto signal_frames =
      metric(fixture_run().metrics, "profbufd_unwind_frames_total{method=\"signal\"}");
  ASSERT_TRUE(signal_frames.has_value()) << fixture_run().metrics;
  EXPECT_GE(*signal_frames, 1.0);
}

// 308 frames (deep_leaf's) do not fit in a record: every such stack stops at
// the depth limit, says so in a root frame, and is counted by that reason in
// the profile's metadata and in /metrics. (A sample taken while the recursion
// returns is shorter; it fits, and must reach the entry.)
TEST_F(UnwindFixtureE2E, TooDeepStacksStopAtTheDepthLimitAndAreCounted) {
  const auto st = sampled("deep300");
  ASSERT_FALSE(st.empty());
  std::uint64_t full_depth = 0;
  for (const auto& s : st) {
    bool leaf = false;
    for (const auto& f : s.user) leaf = leaf || f.function == "deep_leaf";
    if (leaf) full_depth += s.samples;
    if (leaf || !reaches_entry(s)) {
      EXPECT_EQ(s.truncated, "depth_limit") << describe(s);
      EXPECT_GE(s.user.size(), 127u) << describe(s);
    }
  }
  EXPECT_GE(full_depth, total_samples(st) * 9 / 10);
  EXPECT_GE(st.front().user.size(), 200u) << describe(st.front());

  const Profile& p = fixture_run().automatic;
  EXPECT_EQ(p.metadata["user_unwind"], "dwarf");
  const auto counted = truncations(p.stacks);
  const auto& md = p.metadata["truncated_stacks"];
  for (const char* reason : {"depth_limit", "table_missing", "unwind_table_pending",
                             "unsupported_rule", "memory_unreadable", "bad_address"}) {
    ASSERT_TRUE(md.contains(reason)) << md.dump();
    const auto it = counted.find(reason);
    EXPECT_EQ(md[reason].get<std::uint64_t>(), it == counted.end() ? 0 : it->second) << reason;
    const std::string series =
        "profbufd_stacks_truncated_total{reason=\"" + std::string(reason) + "\"}";
    EXPECT_TRUE(metric(fixture_run().metrics, series).has_value()) << series;
  }
  EXPECT_GE(md["depth_limit"].get<std::uint64_t>(), full_depth);
  const auto m =
      metric(fixture_run().metrics, "profbufd_stacks_truncated_total{reason=\"depth_limit\"}");
  ASSERT_TRUE(m.has_value());
  EXPECT_GE(*m, 1.0);  // scraped before the end: at most what the profile counts
  EXPECT_LE(*m, md["depth_limit"].get<double>());
  const auto walks =
      metric(fixture_run().metrics, "profbufd_unwind_walks_total{end=\"depth_limit\"}");
  ASSERT_TRUE(walks.has_value());
  EXPECT_GE(*walks, 1.0);
}

// The same processes with --unwind fp: frame pointers stop at the first frame
// of code built without them, so the checks above would fail.
TEST_F(UnwindFixtureE2E, FramePointersAloneDoNotReachTheEntry) {
  EXPECT_EQ(fixture_run().fp.metadata["user_unwind"], "fp");
  for (const char* fixture : {"deep200", "bigframe", "plt", "signal"}) {
    const auto st = fixture_run().stacks(fixture, true);
    print_summary(std::string(fixture) + " (fp)", st);
    EXPECT_GE(total_samples(st), kMinFpSamples) << fixture;
    EXPECT_LT(fraction(st, reaches_entry), 0.5) << fixture;
    EXPECT_LT(median_user_depth(st), 4u) << fixture;
  }
}

}  // namespace
}  // namespace profbufd::e2e::unwind
