// End to end: a process that execs another program keeps its pid, and the
// windows after the exec name the new program's frames (process/exec_events.h),
// not from the old program's mappings. exec_alpha spins until told, then execs
// exec_beta; both are non-PIE, so exec_beta's code lies where exec_alpha's was,
// and a profile requested after the exec must name beta_spin and nothing of
// exec_alpha. Needs root and BTF.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_session.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

// go tool pprof -top of a profile of the session.
std::string top_of(ProfbufdSession& session, const std::string& path, const TempDir& dir) {
  const std::string pprof = session.pull(path);
  if (pprof.empty()) return "";
  const std::string file = (dir.path / "p.pb.gz").string();
  std::ofstream(file, std::ios::binary) << pprof;
  const auto top = go_pprof({"-top", "-nodecount=200", file});
  return top.status == 0 ? top.out : "go tool pprof failed: " + top.err;
}

TEST(ExecIdentityE2E, TheWindowsAfterAnExecNameTheNewProgram) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  TempDir dir;
  const std::string go = (dir.path / "go").string();
  Subprocess proc({build_dir() + "/tests/programs/exec_alpha", go, "8"});
  ASSERT_TRUE(proc.started());
  SessionOptions o;
  o.pids = {proc.pid()};
  o.duration = 12s;
  ProfbufdSession session(o);
  ASSERT_TRUE(session.ready()) << session.err();
  const std::string before = top_of(session, "/debug/pprof/profile?seconds=1", dir);
  ASSERT_NE(before.find("alpha_spin"), std::string::npos) << "exec_alpha first:\n" << before;
  std::ofstream(go) << "go";
  std::this_thread::sleep_for(1s);  // exec'd: exec_beta runs
  const std::string after = top_of(session, "/debug/pprof/profile?seconds=2", dir);
  const std::string metrics = session.metrics();
  session.finish();
  EXPECT_NE(after.find("beta_spin"), std::string::npos) << after;
  // exec_alpha's mappings would have named exec_beta's addresses.
  EXPECT_EQ(after.find("alpha"), std::string::npos) << after;
  EXPECT_GE(metric(metrics, "profbufd_process_snapshots_refreshed_total").value_or(0), 1);
}

}  // namespace
}  // namespace profbufd::e2e::unwind
