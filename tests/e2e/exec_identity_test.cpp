// End to end: a process that execs another program keeps its pid, and the
// windows after the exec name the new program's frames (process/process_ends.h),
// not from the old program's mappings; so do those of a fork that takes the pid
// of a process that exited. exec_alpha spins until told, then execs
// exec_beta; both are non-PIE, so exec_beta's code lies where exec_alpha's was,
// and a profile requested after the exec must name beta_spin and nothing of
// exec_alpha. And a program replaced at its path while it runs (a package
// upgrade) is named from the file it runs, not from the file at the path now.
// Needs root and BTF.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_profile.h"
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
  EXPECT_GE(
      metric(metrics, "profbufd_process_snapshots_refreshed_total{after=\"exec\"}").value_or(0),
      1);
  EXPECT_EQ(
      metric(metrics, "profbufd_process_end_events_dropped_total{reason=\"ring_full\"}"),
      0.0);
}

// One window open across the exec: the records before it are named from
// exec_alpha, those after from exec_beta, each from its own snapshot
// (ProcessTable::epoch splits the pid's stacks by program). With one snapshot
// per pid and window, exec_beta's code, where exec_alpha's was, would be named
// alpha_spin, and beta_spin would be missing.
// With --unwind fp too: no walker then, and the exec is heard by the end
// listener alone (unwind/end_listener.h).
void expect_a_window_across_an_exec_named_by_program(const std::string& unwind) {
  TempDir dir;
  const std::string go = (dir.path / "go").string();
  Subprocess proc({build_dir() + "/tests/programs/exec_alpha", go, "10"});
  ASSERT_TRUE(proc.started());
  SessionOptions o;
  o.pids = {proc.pid()};
  o.duration = 5s;
  o.unwind = unwind;
  ProfbufdSession session(o);
  ASSERT_TRUE(session.ready()) << session.err();
  std::this_thread::sleep_for(2s);  // sampled: exec_alpha's mappings are read
  std::ofstream(go) << "go";
  ASSERT_EQ(session.finish(), 0) << session.err();

  // Samples by the program their stack was named from.
  std::uint64_t alpha = 0, beta = 0, alpha_spin = 0, beta_spin = 0;
  std::set<std::string> seen;
  for (const Stack& st : session.profile().of(static_cast<std::uint32_t>(proc.pid()))) {
    bool in_alpha = false, in_beta = false;
    for (const Frame& f : st.user) {
      seen.insert(f.module + ":" + f.function);
      in_alpha = in_alpha || f.module == "exec_alpha";
      in_beta = in_beta || f.module == "exec_beta";
      if (f.function == "alpha_spin") alpha_spin += st.samples;
      if (f.function == "beta_spin") beta_spin += st.samples;
    }
    if (in_alpha) alpha += st.samples;
    if (in_beta) beta += st.samples;
  }
  std::string all;
  for (const std::string& n : seen) all += " " + n;
  // About 2 s of exec_alpha and 3 s of exec_beta at 99 Hz; a tenth is plenty.
  EXPECT_GE(alpha, 20u) << all;
  EXPECT_GE(beta, 30u) << all;
  EXPECT_GE(alpha_spin, 20u) << all;
  EXPECT_GE(beta_spin, 30u) << all;
}

TEST(ExecIdentityE2E, AWindowOpenAcrossAnExecNamesEachProgramFromItsOwnMappings) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  expect_a_window_across_an_exec_named_by_program("auto");
}

TEST(ExecIdentityE2E, WithFramePointerWalkingTooAWindowAcrossAnExecIsNamedByProgram) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  expect_a_window_across_an_exec_named_by_program("fp");
}

// A pid freed by an exit and taken by a fork that never execs: no exec says
// the program changed, the exit's time does. exec_pid_taker's child gets
// exec_alpha's pid (ns_last_pid) and runs its code where exec_alpha's was, so
// exec_alpha's snapshot, kept for the pid, would name it alpha_spin.
TEST(ExecIdentityE2E, AForkThatTakesAnExitedProcesssPidIsNamedFromItsOwnProgram) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  TempDir dir;
  auto alpha = std::make_unique<Subprocess>(std::vector<std::string>{
      build_dir() + "/tests/programs/exec_alpha", (dir.path / "never").string(), "1"});
  ASSERT_TRUE(alpha->started());
  const pid_t pid = alpha->pid();
  SessionOptions o;
  o.pids = {pid};
  o.duration = 9s;
  ProfbufdSession session(o);
  ASSERT_TRUE(session.ready()) << session.err();
  const std::string before = top_of(session, "/debug/pprof/profile?seconds=1", dir);
  ASSERT_NE(before.find("alpha_spin"), std::string::npos) << "exec_alpha first:\n" << before;
  alpha.reset();  // killed and reaped: its pid is free
  Subprocess taker({build_dir() + "/tests/programs/exec_pid_taker", std::to_string(pid), "4"});
  ASSERT_TRUE(taker.started());
  ASSERT_EQ(taker.read_line(), "taken") << "no fork got pid " << pid;
  const std::string after = top_of(session, "/debug/pprof/profile?seconds=2", dir);
  const std::string metrics = session.metrics();
  EXPECT_EQ(taker.wait(), 0);
  ASSERT_EQ(session.finish(), 0) << session.err();
  EXPECT_NE(after.find("taker_spin"), std::string::npos) << after;
  EXPECT_EQ(after.find("alpha"), std::string::npos) << after;
  EXPECT_GE(
      metric(metrics, "profbufd_process_snapshots_refreshed_total{after=\"exit\"}").value_or(0),
      1);
}

// The upgrade: a new file written beside the program and renamed over it, as
// dpkg does. The window is symbolized when it closes, after the rename; the
// mappings were read before it, when the path still named the running file.
// exec_beta is non-PIE like exec_alpha, so its symbols, read by mistake, would
// name alpha_spin's addresses with its own functions.
TEST(ExecIdentityE2E, AProgramReplacedWhileItRunsIsNamedFromTheFileItRuns) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  TempDir dir;
  const std::filesystem::path prog = dir.path / "prog";
  std::filesystem::copy_file(build_dir() + "/tests/programs/exec_alpha", prog);
  const std::string never = (dir.path / "never").string();  // no exec: alpha_spin throughout
  Subprocess proc({prog.string(), never, "1"});
  ASSERT_TRUE(proc.started());
  SessionOptions o;
  o.pids = {proc.pid()};
  o.duration = 5s;
  ProfbufdSession session(o);
  ASSERT_TRUE(session.ready()) << session.err();
  std::this_thread::sleep_for(2s);  // sampled: the mappings are read
  std::filesystem::copy_file(build_dir() + "/tests/programs/exec_beta", dir.path / "prog.new");
  std::filesystem::rename(dir.path / "prog.new", prog);
  ASSERT_EQ(session.finish(), 0) << session.err();

  std::uint64_t in_prog = 0, named_alpha = 0;
  std::set<std::string> others;
  for (const Stack& st : session.profile().of(static_cast<std::uint32_t>(proc.pid())))
    for (const Frame& f : st.user) {
      if (f.module != "prog") continue;
      in_prog += st.samples;
      if (f.function == "alpha_spin" || f.function == "main" || f.function == "_start")
        named_alpha += st.samples;
      else
        others.insert(f.function);
    }
  ASSERT_GT(in_prog, 0u);
  std::string seen;
  for (const std::string& n : others) seen += " " + n;
  EXPECT_EQ(named_alpha, in_prog) << "frames of prog named otherwise:" << seen;
}

}  // namespace
}  // namespace profbufd::e2e::unwind
