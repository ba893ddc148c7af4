// End to end: node, whose JIT code has no unwind tables but keeps frame
// pointers (V8), so --unwind auto falls back to them frame by frame. One
// `node -e` CPU loop, profiled with --unwind auto and then --unwind fp: auto's
// stacks must be at least as deep. Needs root and BTF.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "gate.h"
#include "subprocess.h"
#include "unwind_profile.h"
#include "unwind_session.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMinSamples = 100;  // of ~1500 at 499 Hz for 3 s on an idle CPU

const char* const kScript =
    "function leaf(n) { let s = 0; for (let i = 0; i < n; i++) s += (i * i) % 7; return s; }\n"
    "function mid(n) { return leaf(n) + leaf(n >> 1); }\n"
    "function top() { let t = 0; for (let k = 0; k < 100; k++) t += mid(10000 + k); return t; }\n"
    "for (;;) top();\n";

// The main thread's stacks of `pid` over 3 s with --unwind `mode`.
std::vector<Stack> main_thread_stacks(pid_t pid, const std::string& mode, std::string& error) {
  SessionOptions o;
  o.pids = {pid};
  o.unwind = mode;
  o.duration = 3s;
  ProfbufdSession s(o);
  if (!s.ready()) {
    error = "profbufd --unwind " + mode + " did not start: " + s.err();
    return {};
  }
  if (const int st = s.finish(); st != 0)
    error = "profbufd exited " + std::to_string(st) + ": " + s.err();
  const auto p = static_cast<std::uint32_t>(pid);
  return s.profile().of(p, p);
}

TEST(UnwindNodeE2E, AutoIsAtLeastAsDeepAsFramePointersOnJitCode) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  Subprocess node({"/usr/bin/node", "-e", kScript});
  ASSERT_TRUE(node.started());
  std::this_thread::sleep_for(1s);  // past start-up and the first compilations
  std::string error;
  const auto automatic = main_thread_stacks(node.pid(), "auto", error);
  ASSERT_TRUE(error.empty()) << error;
  const auto fp = main_thread_stacks(node.pid(), "fp", error);
  ASSERT_TRUE(error.empty()) << error;
  const std::size_t auto_depth = median_user_depth(automatic), fp_depth = median_user_depth(fp);
  std::printf(
      "[unwind] node: auto %llu samples, median user depth %zu, %.1f%% reach the entry; "
      "fp %llu samples, median %zu, %.1f%% reach the entry\n",
      static_cast<unsigned long long>(total_samples(automatic)), auto_depth,
      100 * fraction(automatic, reaches_entry), static_cast<unsigned long long>(total_samples(fp)),
      fp_depth, 100 * fraction(fp, reaches_entry));
  ASSERT_GE(total_samples(automatic), kMinSamples);
  ASSERT_GE(total_samples(fp), kMinSamples);
  EXPECT_GE(auto_depth, fp_depth);
  if (!automatic.empty())
    std::printf("[unwind] node auto top: %s\n", describe(automatic.front()).c_str());
  if (!fp.empty()) std::printf("[unwind] node fp top: %s\n", describe(fp.front()).c_str());
}

}  // namespace
}  // namespace profbufd::e2e::unwind
