// End-to-end: the threadcreate profile of a workload that creates a known
// number of threads and processes from known functions
// (tests/programs/threadcreate_workload.c), over HTTP and in files, read by
// the real go tool pprof.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "http/cpp_httplib.h"
#include "kind_daemon.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kThreads = 200;
constexpr int kForks = 5;

struct Workload {
  Workload()
      : proc({build_dir() + "/tests/programs/threadcreate_workload", "--threads",
              std::to_string(kThreads), "--forks", std::to_string(kForks)}) {
    const std::string line = proc.read_line();
    EXPECT_EQ(line.rfind("pid ", 0), 0u) << "threadcreate_workload did not start: " << line;
  }
  // One round of creations; true once the workload says it made them all.
  bool create() {
    proc.signal(SIGUSR1);
    const std::string line = proc.read_line(20s);
    return line.rfind("created " + std::to_string(kThreads) + " " + std::to_string(kForks) + " ",
                      0) == 0;
  }
  std::string pid() const { return std::to_string(proc.pid()); }
  Subprocess proc;
};

// Tasks created by stacks through `function`, with the label created=`what`.
double created_through(const nlohmann::json& doc, const std::string& function,
                       const std::string& what) {
  double n = 0;
  for (const auto& s : doc["stacks"])
    if (has_frame(s, function) && s["labels"]["created"] == what)
      n += s["values"][0].get<double>();
  return n;
}

double total(const nlohmann::json& doc) {
  double n = 0;
  for (const auto& s : doc["stacks"]) n += s["values"][0].get<double>();
  return n;
}

class ThreadcreateE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// Two windows of 3 s at once, of the workload only, during which it creates
// kThreads threads and kForks processes: every one is in both.
TEST_F(ThreadcreateE2E, EveryCreationOverHttpHasTheCreatorsStackAndPprofReadsIt) {
  Workload w;
  TempDir out;
  Daemon d({"--output", out.path.string(), "--profiles", "cpu,threadcreate"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  // A warm-up round before the windows: the workload's first stacks ask for
  // the unwind tables of its binaries (libc's clone3 has no frame pointer),
  // and a burst of creations made before they are built is truncated
  // ("[truncated: unwind_table_pending]").
  ASSERT_TRUE(w.create());
  std::this_thread::sleep_for(1s);
  const std::string q = "/debug/pprof/threadcreate?seconds=3&pid=" + w.pid();
  auto pprof = std::async(std::launch::async, [&] { return d.get(q); });
  auto json = std::async(std::launch::async, [&] { return d.get(q + "&format=json"); });
  std::this_thread::sleep_for(700ms);  // both windows are open
  ASSERT_TRUE(w.create());
  auto pb = pprof.get();
  auto js = json.get();
  ASSERT_TRUE(js);
  ASSERT_EQ(js->status, 200) << js->body;
  ASSERT_TRUE(pb);
  ASSERT_EQ(pb->status, 200) << pb->body;

  const auto doc = nlohmann::json::parse(js->body);
  EXPECT_EQ(doc["metadata"]["sample_types"][0]["type"], "threadcreate") << doc["metadata"];
  EXPECT_EQ(created_through(doc, "spawn_threads", "thread"), kThreads)
      << js->body.substr(0, 3000);
  EXPECT_EQ(created_through(doc, "spawn_processes", "process"), kForks);
  // The workload creates nothing else (its forked children create nothing).
  EXPECT_EQ(total(doc), kThreads + kForks) << js->body.substr(0, 3000);

  const fs::path file = out.path / "threadcreate.pb.gz";
  std::ofstream(file, std::ios::binary) << pb->body;
  const auto traces = go_pprof({"-traces", file.string()});
  ASSERT_EQ(traces.status, 0) << traces.err;
  // The creator's stack: the clone path in the kernel, then the caller's.
  EXPECT_NE(traces.out.find("spawn_threads"), std::string::npos) << traces.out;
  EXPECT_NE(traces.out.find("pthread_create"), std::string::npos) << traces.out;
  EXPECT_NE(traces.out.find("kernel_clone"), std::string::npos) << traces.out;
  EXPECT_NE(traces.out.find("created:  thread"), std::string::npos) << traces.out;
  const auto top = go_pprof({"-top", "-cum", file.string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find(std::to_string(kThreads) + " " ), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("spawn_threads"), std::string::npos) << top.out;

  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// Without --profiles naming it, the kind is linked only while a request
// holds it.
TEST_F(ThreadcreateE2E, ADaemonWithoutTheKindLinksItForItsRequestsOnly) {
  TempDir out;
  Daemon d({"--output", out.path.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  EXPECT_FALSE(
      expect_linked_on_demand(d, "threadcreate", "/debug/pprof/threadcreate?seconds=1").is_null());
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// --profiles cpu,threadcreate: the one-shot run writes a
// profbufd-threadcreate-* file with the workload's creations (--pid builds
// its unwind tables at start, so none is truncated).
TEST_F(ThreadcreateE2E, ProfilesFlagWritesThreadcreateFiles) {
  Workload w;
  TempDir out;
  Subprocess p({build_dir() + "/profbufd", "--duration", "4s", "--profiles", "cpu,threadcreate",
                "--pid", w.pid(), "--format", "pprof,json", "--output", out.path.string()});
  ASSERT_TRUE(p.wait_for_stderr("sampling", 20s)) << p.err();
  ASSERT_TRUE(w.create());
  ASSERT_EQ(p.wait(60s), 0) << p.err();
  std::vector<fs::path> json;
  for (const auto& f : files_with(out.path, ".json"))
    if (f.filename().string().rfind("profbufd-threadcreate-", 0) == 0) json.push_back(f);
  ASSERT_EQ(json.size(), 1u);
  const auto doc = nlohmann::json::parse(slurp(json[0]));
  EXPECT_EQ(created_through(doc, "spawn_threads", "thread"), kThreads);
  EXPECT_EQ(created_through(doc, "spawn_processes", "process"), kForks);
  EXPECT_EQ(total(doc), kThreads + kForks);

  std::vector<fs::path> pb;
  for (const auto& f : files_with(out.path, ".pb.gz"))
    if (f.filename().string().rfind("profbufd-threadcreate-", 0) == 0) pb.push_back(f);
  ASSERT_EQ(pb.size(), 1u);
  const auto top = go_pprof({"-top", "-cum", "-focus=spawn_threads", pb[0].string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("spawn_threads"), std::string::npos) << top.out;
}

}  // namespace
}  // namespace profbufd::e2e
