// End-to-end: the allocs profile of a process that allocates a known number
// of bytes through a known function (tests/programs/heap_workload.c): the
// sampled and scaled alloc_space through that function is the truth within
// 20%, the uprobes are attached per pid on request, and the real go tool
// pprof reads the profile.
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

struct Round {
  double allocated = -1;
  double kept = -1;
};

struct Workload {
  Workload() : proc({build_dir() + "/tests/programs/heap_workload"}) {
    const std::string line = proc.read_line();
    EXPECT_EQ(line.rfind("pid ", 0), 0u) << "heap_workload did not start: " << line;
  }
  // One round of allocations (2 s at 64 MiB/s in 4 KiB blocks), as the
  // workload counted them.
  Round allocate() {
    proc.signal(SIGUSR1);
    std::istringstream in(proc.read_line(30s));
    std::string a, k;
    Round r;
    in >> a >> r.allocated >> k >> r.kept;
    return a == "allocated" ? r : Round{};
  }
  std::string pid() const { return std::to_string(proc.pid()); }
  Subprocess proc;
};

class HeapE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// Two windows of 5 s at once (one attachment shared), of the workload only,
// around one round: 128 MiB in 32 768 mallocs, about 256 samples at 512 KiB.
TEST_F(HeapE2E, AllocSpaceThroughTheKnownFunctionIsTheTruthAndPprofReadsIt) {
  Workload w;
  TempDir out;
  Daemon d({"--output", out.path.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  const std::string q = "/debug/pprof/allocs?seconds=5&pid=" + w.pid();
  // A warm-up request and round: the workload's unwind tables (libc's malloc
  // has no frame pointers) are built once its first records arrive.
  {
    auto warm = std::async(std::launch::async, [&] { return d.get(q); });
    std::this_thread::sleep_for(700ms);
    ASSERT_GT(w.allocate().allocated, 0);
    auto r = warm.get();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  auto pprof = std::async(std::launch::async, [&] { return d.get(q); });
  auto json = std::async(std::launch::async, [&] { return d.get(q + "&format=json"); });
  std::this_thread::sleep_for(700ms);  // both windows are open
  const Round truth = w.allocate();
  ASSERT_GT(truth.allocated, 0);
  auto pb = pprof.get();
  auto js = json.get();
  ASSERT_TRUE(js);
  ASSERT_EQ(js->status, 200) << js->body;
  ASSERT_TRUE(pb);
  ASSERT_EQ(pb->status, 200) << pb->body;

  const auto doc = nlohmann::json::parse(js->body);
  EXPECT_EQ(doc["metadata"]["sample_types"][1]["type"], "alloc_space") << doc["metadata"];
  const auto [objects, space] = through(doc, "allocate_known");
  std::cout << "[ heap     ] alloc_space through allocate_known " << space << " B, truth "
            << truth.allocated << " B; alloc_objects " << objects << ", truth "
            << truth.allocated / 4096 << "\n";
  EXPECT_NEAR(space, truth.allocated, 0.2 * truth.allocated) << js->body.substr(0, 3000);
  EXPECT_NEAR(objects, truth.allocated / 4096, 0.2 * truth.allocated / 4096);

  const fs::path file = out.path / "allocs.pb.gz";
  std::ofstream(file, std::ios::binary) << pb->body;
  const auto top = go_pprof({"-top", "-sample_index=alloc_space", file.string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("allocate_known"), std::string::npos) << top.out;
  const auto traces = go_pprof({"-traces", file.string()});
  ASSERT_EQ(traces.status, 0) << traces.err;
  EXPECT_NE(traces.out.find("round_of_allocations"), std::string::npos) << traces.out;

  auto m = d.get("/metrics");
  ASSERT_TRUE(m);
  const auto calls = metric(m->body, "profbufd_heap_calls_total");
  ASSERT_TRUE(calls) << m->body;
  EXPECT_GE(*calls, 2 * truth.allocated / 4096) << "both rounds' mallocs were probed";
  EXPECT_TRUE(metric(m->body, "profbufd_heap_lost_total{reason=\"untracked\"}")) << m->body;
  // Once no request holds them, the probes are gone: a round is not seen.
  ASSERT_GT(w.allocate().allocated, 0);
  auto after = d.get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(metric(after->body, "profbufd_heap_calls_total"), calls) << "still probed";
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// The refusals, each one line: no pid= (400), a process that does not exist
// (404), a static binary without glibc to probe (501), and the in-use heap
// profile, not served yet (501).
TEST_F(HeapE2E, RequestsWithoutAPidOrForNoProcessAreRefusedWithTheReason) {
  TempDir out;
  Daemon d({"--output", out.path.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  expect_refusal(d, "/debug/pprof/allocs?seconds=1", 400, "pid=");
  expect_refusal(d, "/debug/pprof/allocs?seconds=1&pid=4194000", 404, "no such process");
  auto inuse = d.get("/debug/pprof/heap?pid=1");
  ASSERT_TRUE(inuse);
  EXPECT_EQ(inuse->status, 501) << inuse->body;
  EXPECT_NE(inuse->body.find("/debug/pprof/allocs"), std::string::npos) << inuse->body;
  Subprocess busybox({"/bin/busybox", "sleep", "30"});  // busybox-static: no libc mapped
  std::this_thread::sleep_for(200ms);                     // exec'd
  expect_refusal(d, "/debug/pprof/allocs?seconds=1&pid=" + std::to_string(busybox.pid()), 501,
                 "glibc");
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// The kind is per process and per request: a file window of it would be
// empty, so --profiles refuses it, in one line, before anything is loaded.
TEST(HeapFlags, ProfilesWithHeapIsAUsageError) {
  const auto r = run({build_dir() + "/profbufd", "--profiles", "cpu,heap", "--duration", "1s"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("--profiles heap: this kind profiles one process, on request only"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace profbufd::e2e
