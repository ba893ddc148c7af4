// End-to-end: the goroutine profile of a workload whose threads and children
// are parked in known functions, in known states
// (tests/programs/goroutine_workload.c): every one of them is in the
// snapshot, with its state, its kernel stack and (where frame pointers reach)
// its user stack, and the real go tool pprof reads it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cgroup_dir.h"
#include "gate.h"
#include "kind_daemon.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Workload {
  Workload() : proc({build_dir() + "/tests/programs/goroutine_workload"}) {
    std::istringstream line(proc.read_line());
    std::string word;
    line >> word >> pid >> word >> stopped >> word >> zombie >> word >> blocked;
    EXPECT_GT(blocked, 0) << "goroutine_workload did not start";
  }
  std::set<std::uint32_t> tids() const {
    std::set<std::uint32_t> out;
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task"))
      out.insert(static_cast<std::uint32_t>(std::stoul(e.path().filename().string())));
    return out;
  }
  Subprocess proc;
  std::uint32_t pid = 0, stopped = 0, zombie = 0, blocked = 0;
};

bool has_frame_like(const nlohmann::json& stack, const std::string& part) {
  return std::any_of(stack["frames"].begin(), stack["frames"].end(), [&](const auto& f) {
    return f["function"].template get<std::string>().find(part) != std::string::npos;
  });
}

// The samples of `pid` by thread name (comm).
std::map<std::string, nlohmann::json> threads_of(const nlohmann::json& doc, std::uint32_t pid) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& s : doc["stacks"])
    if (s["labels"]["pid"] == pid) out[s["labels"]["comm"].get<std::string>()] = s;
  return out;
}

class GoroutineE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// The snapshot of `q` once the table walker has the workload's tables
// (--pid builds them at start, in the background): its futex thread, parked
// in libc (no frame pointers), is walked through it to park_futex.
nlohmann::json walked_snapshot(const Daemon& d, const std::string& q) {
  nlohmann::json doc;
  for (int i = 0; i < 20; ++i) {
    auto js = d.get(q + "&format=json");
    if (!js || js->status != 200) {
      ADD_FAILURE() << (js ? js->body : "no answer");
      return doc;
    }
    doc = nlohmann::json::parse(js->body);
    for (const auto& s : doc["stacks"])
      if (s["labels"]["comm"] == "gr-futex" && has_frame(s, "park_futex")) return doc;
    std::this_thread::sleep_for(250ms);
  }
  return doc;
}

// pid= the workload: its iterator visits its five threads, each once, in
// its state, with the kernel and user functions it is parked in.
TEST_F(GoroutineE2E, EveryThreadOfTheProcessIsThereWithItsStateAndStacks) {
  Workload w;
  TempDir out;
  Daemon d({"--output", out.path.string(), "--pid", std::to_string(w.pid)});
  ASSERT_TRUE(d.ready) << d.proc.err();
  const std::string q = "/debug/pprof/goroutine?pid=" + std::to_string(w.pid);
  const auto doc = walked_snapshot(d, q);
  const std::string body = doc.dump();
  EXPECT_EQ(doc["metadata"]["sample_types"][0]["type"], "goroutine") << doc["metadata"];
  std::set<std::uint32_t> tids;
  for (const auto& s : doc["stacks"]) {
    EXPECT_EQ(s["labels"]["pid"], w.pid) << s;
    EXPECT_EQ(s["values"][0], 1) << s;
    tids.insert(s["labels"]["tid"].get<std::uint32_t>());
  }
  EXPECT_EQ(tids, w.tids()) << body.substr(0, 3000);
  EXPECT_EQ(doc["metadata"]["details"]["goroutine_threads"], 5) << doc["metadata"];
  const auto t = threads_of(doc, w.pid);
  const auto expect = [&](const std::string& comm, const std::string& state,
                          const std::string& kernel, const std::string& user) {
    ASSERT_TRUE(t.count(comm)) << comm << ": " << body.substr(0, 3000);
    const auto& s = t.at(comm);
    EXPECT_EQ(s["labels"]["state"], state) << comm << ": " << s;
    if (!kernel.empty()) {
      EXPECT_TRUE(has_frame_like(s, kernel)) << comm << ": " << s;
    }
    EXPECT_TRUE(has_frame_like(s, user)) << comm << ": " << s;
  };
  expect("gr-sleep", "S", "nanosleep", "park_sleep");
  expect("gr-pipe", "S", "pipe_read", "park_pipe");
  expect("gr-spin", "R", "", "park_spin");
  // In libc, built without frame pointers: its pc is there, the chain ends.
  expect("gr-futex", "S", "futex_wait", "futex_abstimed_wait");
  expect("goroutine_workl", "S", "sys_pause", "park_main");
  for (const char* comm : {"gr-sleep", "gr-pipe", "gr-spin"})
    EXPECT_TRUE(has_frame(t.at(comm), "thread_main")) << comm << ": " << t.at(comm);

  auto pb = d.get(q);
  ASSERT_TRUE(pb);
  ASSERT_EQ(pb->status, 200) << pb->body;
  const fs::path file = out.path / "goroutine.pb.gz";
  std::ofstream(file, std::ios::binary) << pb->body;
  const auto traces = go_pprof({"-traces", file.string()});
  ASSERT_EQ(traces.status, 0) << traces.err;
  EXPECT_NE(traces.out.find("park_sleep"), std::string::npos) << traces.out;
  EXPECT_NE(traces.out.find("hrtimer_nanosleep"), std::string::npos) << traces.out;
  EXPECT_NE(traces.out.find("state:  R"), std::string::npos) << traces.out;
  const auto top = go_pprof({"-top", "-cum", file.string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("park_pipe"), std::string::npos) << top.out;

  const auto metrics = d.get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("profbufd_goroutine_snapshots_total "), std::string::npos)
      << metrics->body;
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// Several pids: one iterator each; the stopped child is in T, the zombie in
// Z, the child waiting for its vfork child in D. Without pid=, the iterator visits every thread on the machine (the
// snapshot paces itself on the pipeline) and none is lost. With --unwind fp,
// user stacks are the iterator's own frame-pointer walk.
TEST_F(GoroutineE2E, SeveralPidsAndTheWholeMachine) {
  Workload w;
  TempDir out;
  Daemon d({"--output", out.path.string(), "--unwind", "fp"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  auto js = d.get("/debug/pprof/goroutine?format=json&pid=" + std::to_string(w.pid) +
                  "&pid=" + std::to_string(w.stopped) + "&pid=" + std::to_string(w.zombie) + "&pid=" + std::to_string(w.blocked));
  ASSERT_TRUE(js);
  ASSERT_EQ(js->status, 200) << js->body;
  const auto doc = nlohmann::json::parse(js->body);
  const auto threads = threads_of(doc, w.pid);
  EXPECT_EQ(threads.size(), 5u) << js->body.substr(0, 3000);
  for (const auto& [comm, fn] : std::map<std::string, std::string>{
           {"gr-sleep", "park_sleep"}, {"gr-pipe", "park_pipe"}, {"gr-spin", "park_spin"}}) {
    ASSERT_TRUE(threads.count(comm)) << comm;
    EXPECT_TRUE(has_frame(threads.at(comm), fn)) << threads.at(comm);
    EXPECT_TRUE(has_frame(threads.at(comm), "thread_main")) << threads.at(comm);
  }
  const auto stopped = threads_of(doc, w.stopped);
  ASSERT_EQ(stopped.size(), 1u) << js->body.substr(0, 3000);
  EXPECT_EQ(stopped.begin()->second["labels"]["state"], "T");
  EXPECT_TRUE(has_frame_like(stopped.begin()->second, "do_signal_stop"))
      << stopped.begin()->second;
  const auto zombie = threads_of(doc, w.zombie);
  ASSERT_EQ(zombie.size(), 1u) << js->body.substr(0, 3000);
  EXPECT_EQ(zombie.begin()->second["labels"]["state"], "Z");
  const auto blocked = threads_of(doc, w.blocked);
  ASSERT_EQ(blocked.size(), 1u) << js->body.substr(0, 3000);
  EXPECT_EQ(blocked.begin()->second["labels"]["state"], "D") << blocked.begin()->second;
  EXPECT_TRUE(has_frame_like(blocked.begin()->second, "sys_vfork")) << blocked.begin()->second;
  EXPECT_EQ(doc["metadata"]["details"]["goroutine_threads"], 8) << doc["metadata"];

  // Every process of the machine has a thread in it, none lost.
  std::size_t machine = 0;
  for (const auto& e : fs::directory_iterator("/proc"))
    if (std::isdigit(static_cast<unsigned char>(e.path().filename().string()[0])))
      ++machine;
  auto all = d.get("/debug/pprof/goroutine?format=json");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->status, 200) << all->body;
  const auto whole = nlohmann::json::parse(all->body);
  EXPECT_EQ(threads_of(whole, w.pid).size(), 5u);
  EXPECT_GE(whole["stacks"].size(), machine) << whole["metadata"];
  EXPECT_EQ(whole["metadata"]["details"]["goroutine_threads"], whole["stacks"].size());
  for (const char* reason : {"ringbuf_full", "profbuf_overflow"})
    EXPECT_EQ(whole["metadata"]["lost_samples"].value(reason, 0), 0) << whole["metadata"];
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// --cgroup: the kernel filter keeps the threads of the cgroup's process
// (moved in after its children were forked: they are not) and nothing else.
TEST_F(GoroutineE2E, UnderACgroupFilterOnlyThatCgroupsThreadsAreRecorded) {
  Cgroup cg("profbufd-e2e-goroutine-" + std::to_string(getpid()));
  ASSERT_FALSE(cg.path.empty()) << "no cgroup2 mount";
  Workload w;
  ASSERT_TRUE(cg.add(static_cast<int>(w.pid))) << cg.path;
  TempDir out;
  Daemon d({"--output", out.path.string(), "--cgroup", cg.path});
  ASSERT_TRUE(d.ready) << d.proc.err();
  auto js = d.get("/debug/pprof/goroutine?format=json");
  ASSERT_TRUE(js);
  ASSERT_EQ(js->status, 200) << js->body;
  const auto doc = nlohmann::json::parse(js->body);
  std::set<std::uint32_t> pids;
  for (const auto& s : doc["stacks"]) pids.insert(s["labels"]["pid"].get<std::uint32_t>());
  EXPECT_EQ(pids, std::set<std::uint32_t>{w.pid}) << js->body.substr(0, 3000);
  EXPECT_EQ(threads_of(doc, w.pid).size(), 5u);
  EXPECT_EQ(doc["metadata"]["details"]["goroutine_threads"], 5) << doc["metadata"];
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

TEST(GoroutineFlags, ProfilesWithGoroutineIsAUsageError) {
  const auto r =
      run({build_dir() + "/profbufd", "--profiles", "cpu,goroutine", "--duration", "1s"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--profiles goroutine: this kind is a snapshot taken on request only"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace profbufd::e2e
