// End to end: frames of Debian's stripped libc named from libc6-dbg's separate
// debug file (/usr/lib/debug/.build-id/...). sort_in_libc spends its time in
// qsort's merge sort; msort_with_tmp and the C runtime entry
// __libc_start_call_main are local symbols, which only the debug file's
// .symtab names. Every libc frame must be named, and the names counted as
// debug_file in the profile and in /metrics. Needs root, BTF and libc6-dbg
// (make deps).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <set>
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

constexpr std::uint64_t kMinSamples = 200;  // of ~1500 at 499 Hz for 3 s on an idle CPU

TEST(SymbolizeDebugFileE2E, LibcFramesAreNamedFromLibc6Dbg) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  Subprocess sorter({build_dir() + "/tests/programs/sort_in_libc"});
  ASSERT_TRUE(sorter.started());
  ASSERT_EQ(sorter.read_line(10s), "ready");
  SessionOptions o;
  o.pids = {sorter.pid()};
  o.duration = 3s;
  ProfbufdSession s(o);
  ASSERT_TRUE(s.ready()) << s.err();
  // A 1 s pull is symbolized when it closes, so /metrics counts its frames.
  ASSERT_FALSE(s.pull("/debug/pprof/profile?seconds=1").empty());
  const std::string metrics = s.metrics();
  ASSERT_EQ(s.finish(), 0) << s.err();

  const auto stacks = s.profile().of(static_cast<std::uint32_t>(sorter.pid()));
  ASSERT_GE(total_samples(stacks), kMinSamples);
  std::uint64_t libc = 0, named = 0;
  std::set<std::string> names;
  for (const Stack& st : stacks) {
    for (const Frame& f : st.user) {
      if (f.module != "libc.so.6") continue;
      libc += st.samples;
      if (f.resolved) named += st.samples;
      names.insert(f.function);
    }
  }
  std::string seen;
  for (const std::string& n : names) seen += " " + n;
  std::printf("[symbolize] libc frames: %llu, named %llu;%s\n",
              static_cast<unsigned long long>(libc), static_cast<unsigned long long>(named),
              seen.c_str());
  ASSERT_GT(libc, 0u);
  EXPECT_EQ(named, libc) << seen;
  EXPECT_TRUE(names.count("msort_with_tmp.part.0") || names.count("msort_with_tmp")) << seen;
  EXPECT_TRUE(names.count("__libc_start_call_main")) << seen;

  const Profile p = s.profile();
  EXPECT_GT(p.metadata["named_frames"]["debug_file"].get<std::uint64_t>(), 0u);
  EXPECT_GT(metric(metrics, "profbufd_frames_named_total{source=\"debug_file\"}").value_or(0), 0);
}

}  // namespace
}  // namespace profbufd::e2e::unwind
