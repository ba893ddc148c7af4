// End-to-end: every BPF object profbufd ships loads on this kernel in every
// --unwind mode, each mode building its own variant of the walker (fp: none,
// auto: tables with a frame-pointer fallback, dwarf: tables only). A CO-RE
// read the verifier rejects (a field of a type this kernel lacks, a helper a
// program type may not call) shows up only here for a kind no other test runs
// in that mode; and under --unwind auto a CPU object that fails to load does
// not fail the run, it falls back to frame pointers with a warning, which the
// stack tests would only see as worse stacks.
//
// One daemon per mode with HTTP on, so the kinds left out of --profiles load
// too (linked on demand); the heap kind's object (attached per process) and
// the goroutine snapshot's are loaded by a request each.
#include <gtest/gtest.h>

#include <future>
#include <sstream>
#include <string>
#include <vector>

#include "gate.h"
#include "kind_daemon.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

class BpfLoadE2E : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// Lines of profbufd's stderr that say something did not load.
std::vector<std::string> load_warnings(const std::string& err) {
  std::vector<std::string> out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find("unavailable") != std::string::npos ||
        line.find("frame pointers only") != std::string::npos)
      out.push_back(line);
  return out;
}

TEST_P(BpfLoadE2E, EveryKindsObjectLoadsAndTheWalkerIsTheOneAskedFor) {
  const std::string mode = GetParam();
  TempDir out;
  Subprocess child({"/usr/bin/sleep", "60"});
  ASSERT_TRUE(child.started());
  Daemon d({"--output", out.path.string(), "--unwind", mode});
  ASSERT_TRUE(d.ready) << "profbufd --unwind " << mode << " did not start: " << d.proc.err();
  EXPECT_EQ(load_warnings(d.proc.err()), std::vector<std::string>{}) << d.proc.err();

  auto m = d.get("/metrics");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->status, 200);
  EXPECT_EQ(metric(m->body, "profbufd_user_unwind_mode{mode=\"dwarf\"}"), mode == "fp" ? 0 : 1)
      << "--unwind " << mode;
  for (const char* kind : {"block", "mutex", "threadcreate"})
    EXPECT_EQ(metric(m->body, "profbufd_kind_running{kind=\"" + std::string(kind) + "\"}"), 0)
        << kind << " not loaded (or already running) under --unwind " << mode;

  const std::string pid = std::to_string(child.pid());
  const std::vector<std::string> paths{
      "/debug/pprof/heap?seconds=1&pid=" + pid, "/debug/pprof/allocs?seconds=1&pid=" + pid,
      "/debug/pprof/goroutine?format=json",     "/debug/pprof/block?seconds=1",
      "/debug/pprof/mutex?seconds=1",           "/debug/pprof/threadcreate?seconds=1"};
  std::vector<std::future<httplib::Result>> answers;  // at once: each holds its kind for 1 s
  for (const std::string& path : paths)
    answers.push_back(std::async(std::launch::async, [&d, path] { return d.get(path); }));
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const httplib::Result r = answers[i].get();
    ASSERT_TRUE(r) << paths[i];
    EXPECT_EQ(r->status, 200) << "--unwind " << mode << " " << paths[i] << ": " << r->body;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, BpfLoadE2E, ::testing::Values("fp", "auto", "dwarf"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace profbufd::e2e
