// End-to-end: the mutex profile of threads contending on one pthread mutex
// held a known time (tests/programs/mutex_workload.c), which measure their
// own waits: the profile's delay through the lock call is that truth, and the
// real go tool pprof reads it.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
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

struct Workload {
  Workload() : proc({build_dir() + "/tests/programs/mutex_workload"}) {
    const std::string line = proc.read_line();
    EXPECT_EQ(line.rfind("pid ", 0), 0u) << "mutex_workload did not start: " << line;
  }
  // One round of contention; the nanoseconds its threads spent in
  // pthread_mutex_lock, or -1 if it did not say.
  double contend() {
    proc.signal(SIGUSR1);
    std::istringstream in(proc.read_line(30s));
    std::string word;
    double waited = -1;
    in >> word >> waited;
    return word == "waited" ? waited : -1;
  }
  std::string pid() const { return std::to_string(proc.pid()); }
  Subprocess proc;
};

class MutexE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// Two windows of 5 s at once, of the workload only, around one round of
// contention (4 threads x 100 locks held 1 ms: about 1.2 s of waiting).
TEST_F(MutexE2E, DelayThroughTheLockCallIsTheTimeTheThreadsWaitedAndPprofReadsIt) {
  Workload w;
  TempDir out;
  Daemon d({"--output", out.path.string(), "--profiles", "cpu,mutex"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  // A warm-up round before the windows, so that the workload's unwind tables
  // (libc's lock calls have no frame pointers) are built when it counts.
  ASSERT_GT(w.contend(), 0);
  std::this_thread::sleep_for(1s);
  const std::string q = "/debug/pprof/mutex?seconds=5&pid=" + w.pid();
  auto pprof = std::async(std::launch::async, [&] { return d.get(q); });
  auto json = std::async(std::launch::async, [&] { return d.get(q + "&format=json"); });
  std::this_thread::sleep_for(700ms);  // both windows are open
  const double truth = w.contend();
  ASSERT_GT(truth, 0);
  auto pb = pprof.get();
  auto js = json.get();
  ASSERT_TRUE(js);
  ASSERT_EQ(js->status, 200) << js->body;
  ASSERT_TRUE(pb);
  ASSERT_EQ(pb->status, 200) << pb->body;

  const auto doc = nlohmann::json::parse(js->body);
  EXPECT_EQ(doc["metadata"]["sample_types"][1]["type"], "delay") << doc["metadata"];
  const auto [contentions, delay] = through(doc, "contend_once");
  // The lock calls' time less what they spent outside the futex wait (the
  // user-space spin, the syscall's entry and exit, waits under --mutex-min).
  EXPECT_NEAR(delay, truth, 0.1 * truth) << js->body.substr(0, 3000);
  EXPECT_GT(contentions, 0);
  EXPECT_EQ(doc["metadata"]["lost_samples"]["futex_untracked"], 0);

  const fs::path file = out.path / "mutex.pb.gz";
  std::ofstream(file, std::ios::binary) << pb->body;
  const auto top = go_pprof({"-top", "-sample_index=delay", file.string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("contend_once"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("pthread_mutex_lock"), std::string::npos) << top.out;
  const auto traces = go_pprof({"-traces", file.string()});
  ASSERT_EQ(traces.status, 0) << traces.err;
  EXPECT_NE(traces.out.find("worker_main"), std::string::npos) << traces.out;
  const auto counts = go_pprof({"-top", "-sample_index=contentions", file.string()});
  ASSERT_EQ(counts.status, 0) << counts.err;
  EXPECT_NE(counts.out.find("contend_once"), std::string::npos) << counts.out;

  auto m = d.get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_TRUE(metric(m->body, "profbufd_mutex_lost_total{reason=\"untracked\"}")) << m->body;
  EXPECT_TRUE(metric(m->body, "profbufd_mutex_too_short_total")) << m->body;
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// Without --profiles naming it, the kind's probes (they run on every
// syscall) are linked only while a request holds them.
TEST_F(MutexE2E, ADaemonWithoutTheKindLinksItForItsRequestsOnly) {
  TempDir out;
  Daemon d({"--output", out.path.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  EXPECT_FALSE(expect_linked_on_demand(d, "mutex", "/debug/pprof/mutex?seconds=1").is_null());
  // Linked again for the next: waits begun under the first linking are not
  // taken for this one's.
  EXPECT_FALSE(expect_linked_on_demand(d, "mutex", "/debug/pprof/mutex?seconds=1").is_null());
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// --profiles cpu,mutex with --mutex-min: files named by the kind, and the
// minimum in the profile.
TEST_F(MutexE2E, ProfilesFlagWritesMutexFilesWithTheMinimum) {
  Workload w;
  TempDir out;
  Subprocess p({build_dir() + "/profbufd", "--duration", "4s", "--profiles", "cpu,mutex",
                "--mutex-min", "50us", "--pid", w.pid(), "--format", "pprof,json", "--output",
                out.path.string()});
  ASSERT_TRUE(p.wait_for_stderr("sampling", 20s)) << p.err();
  const double truth = w.contend();
  ASSERT_GT(truth, 0);
  ASSERT_EQ(p.wait(60s), 0) << p.err();
  std::vector<fs::path> json;
  for (const auto& f : files_with(out.path, ".json"))
    if (f.filename().string().rfind("profbufd-mutex-", 0) == 0) json.push_back(f);
  ASSERT_EQ(json.size(), 1u);
  const auto doc = nlohmann::json::parse(slurp(json[0]));
  EXPECT_EQ(doc["metadata"]["details"]["mutex_min_ns"], 50000);
  EXPECT_NEAR(through(doc, "contend_once").second, truth, 0.1 * truth);
  std::vector<fs::path> pb;
  for (const auto& f : files_with(out.path, ".pb.gz"))
    if (f.filename().string().rfind("profbufd-mutex-", 0) == 0) pb.push_back(f);
  ASSERT_EQ(pb.size(), 1u);
  const auto top = go_pprof({"-top", "-sample_index=delay", pb[0].string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("contend_once"), std::string::npos) << top.out;
}

}  // namespace
}  // namespace profbufd::e2e
