// End-to-end: the allocs and heap profiles of a process that allocates a
// known number of bytes through a known function and frees three in four
// (tests/programs/heap_workload.c): the sampled and scaled alloc_space
// through that function is the truth within 20%, and so is its inuse_space
// against what it kept; the uprobes are attached per pid on request, and the
// real go tool pprof reads the profile.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
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
  explicit Workload(std::vector<std::string> args = {}) : proc(command(std::move(args))) {
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
  static std::vector<std::string> command(std::vector<std::string> args) {
    args.insert(args.begin(), build_dir() + "/tests/programs/heap_workload");
    return args;
  }
  Subprocess proc;
};

// The body of a 200 response, or nothing (with the failure reported).
std::optional<std::string> ok(const httplib::Result& r) {
  if (!r) {
    ADD_FAILURE() << "no response";
    return std::nullopt;
  }
  if (r->status != 200) {
    ADD_FAILURE() << r->status << " " << r->body;
    return std::nullopt;
  }
  return r->body;
}

// alloc_* through `function` is what the round allocated through it,
// inuse_* what it kept, each within 20%.
void expect_truth(const nlohmann::json& doc, const Round& truth,
                  const std::string& function = "allocate_known") {
  const auto [objects, space] = through(doc, function);
  std::cout << "[ heap     ] alloc_space through " << function << " " << space << " B, truth "
            << truth.allocated << " B; alloc_objects " << objects << ", truth "
            << truth.allocated / 4096 << "\n";
  EXPECT_NEAR(space, truth.allocated, 0.2 * truth.allocated) << function << doc["metadata"];
  EXPECT_NEAR(objects, truth.allocated / 4096, 0.2 * truth.allocated / 4096) << function;
  const auto [inuse_objects, inuse_space] = through(doc, function, 2);
  std::cout << "[ heap     ] inuse_space through " << function << " " << inuse_space
            << " B, truth (kept) " << truth.kept << " B; inuse_objects " << inuse_objects << "\n";
  EXPECT_NEAR(inuse_space, truth.kept, 0.2 * truth.kept) << function << doc["metadata"];
  EXPECT_NEAR(inuse_objects, truth.kept / 4096, 0.2 * truth.kept / 4096) << function;
  EXPECT_EQ(doc["metadata"]["lost_samples"]["heap_live_full"], 0) << doc["metadata"];
}

// The real go tool pprof reads the profile: its default sample type, the
// known function on top, the caller in the traces.
void expect_pprof_reads(const fs::path& file, const std::string& body,
                        const std::string& default_type) {
  std::ofstream(file, std::ios::binary) << body;
  const auto top = go_pprof({"-top", file.string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find(default_type), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("allocate_known"), std::string::npos) << top.out;
  const auto traces = go_pprof({"-traces", file.string()});
  ASSERT_EQ(traces.status, 0) << traces.err;
  EXPECT_NE(traces.out.find("round_of_allocations"), std::string::npos) << traces.out;
}

// A warm-up request and round: the workload's unwind tables (libc's malloc
// has no frame pointers) are built once its first records arrive.
void warm_up(const Daemon& d, Workload& w) {
  auto warm = std::async(std::launch::async,
                         [&] { return d.get("/debug/pprof/allocs?seconds=5&pid=" + w.pid()); });
  std::this_thread::sleep_for(700ms);
  ASSERT_GT(w.allocate().allocated, 0);
  auto r = warm.get();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
}

class HeapE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// Two windows of 5 s at once (one attachment shared), of the workload only,
// around one round: 128 MiB in 32 768 mallocs, about 2048 samples at a rate
// of 64 KiB, of which a quarter (32 MiB, ~512 samples) is kept: the allocs
// window in JSON, the heap window in pprof. At the default 512 KiB the kept
// part would be ~64 samples, a Poisson spread of 12%: too wide for 20%.
TEST_F(HeapE2E, AllocAndInuseSpaceThroughTheKnownFunctionAreTheTruthAndPprofReadsThem) {
  Workload w;
  TempDir out;
  Daemon d({"--output", out.path.string(), "--heap-rate", "64K"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  const std::string q = "/debug/pprof/allocs?seconds=5&pid=" + w.pid();
  ASSERT_NO_FATAL_FAILURE(warm_up(d, w));
  const std::string heap = "/debug/pprof/heap?seconds=5&pid=" + w.pid();
  auto heap_pb = std::async(std::launch::async, [&] { return d.get(heap); });
  auto heap_js = std::async(std::launch::async, [&] { return d.get(heap + "&format=json"); });
  auto allocs_pb = std::async(std::launch::async, [&] { return d.get(q); });
  std::this_thread::sleep_for(700ms);  // the windows are open
  const Round truth = w.allocate();
  ASSERT_GT(truth.allocated, 0);
  const auto js = ok(heap_js.get());
  const auto pb = ok(heap_pb.get());
  const auto allocs = ok(allocs_pb.get());
  ASSERT_TRUE(js && pb && allocs);

  const auto doc = nlohmann::json::parse(*js);
  EXPECT_EQ(doc["metadata"]["sample_types"].size(), 4u) << doc["metadata"];
  EXPECT_EQ(doc["metadata"]["default_sample_type"], "inuse_space") << doc["metadata"];
  expect_truth(doc, truth);
  expect_pprof_reads(out.path / "heap.pb.gz", *pb, "inuse_space");
  expect_pprof_reads(out.path / "allocs.pb.gz", *allocs, "alloc_space");
  // The allocs request probed no frees: its profile has no in-use types.
  const fs::path allocs_file = out.path / "allocs.pb.gz";
  EXPECT_NE(go_pprof({"-top", "-sample_index=inuse_space", allocs_file.string()}).status, 0);

  auto m = d.get("/metrics");
  ASSERT_TRUE(m);
  const auto calls = metric(m->body, "profbufd_heap_calls_total");
  ASSERT_TRUE(calls) << m->body;
  EXPECT_GE(*calls, 2 * truth.allocated / 4096) << "both rounds' mallocs were probed";
  EXPECT_TRUE(metric(m->body, "profbufd_heap_lost_total{reason=\"untracked\"}")) << m->body;
  EXPECT_TRUE(metric(m->body, "profbufd_heap_lost_total{reason=\"live_full\"}")) << m->body;
  const auto freed = metric(m->body, "profbufd_heap_freed_total");
  ASSERT_TRUE(freed) << m->body;
  EXPECT_GT(*freed, 0) << "three blocks in four are freed";
  // Once no request holds them, the probes are gone: a round is not seen.
  ASSERT_GT(w.allocate().allocated, 0);
  auto after = d.get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(metric(after->body, "profbufd_heap_calls_total"), calls) << "still probed";
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// glibc's aligned calls, each through its own function with a quarter of a
// round (32 MiB, ~2048 samples at 16 KiB; a quarter kept, ~512): each is
// counted once, including those glibc hands to malloc (alignment 16), and
// posix_memalign's block, stored rather than returned, is in use. The relayed
// ones reach malloc's entry below the aligned call's pending uretprobe: the
// table walker finds their caller through its trampoline.
TEST_F(HeapE2E, AlignedAllocationCallsAreEachCountedOnceAndTheirBlocksInUse) {
  Workload w({"--calls", "aligned"});
  TempDir out;
  Daemon d({"--output", out.path.string(), "--heap-rate", "16K"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  ASSERT_NO_FATAL_FAILURE(warm_up(d, w));
  auto js = std::async(std::launch::async, [&] {
    return d.get("/debug/pprof/heap?seconds=5&format=json&pid=" + w.pid());
  });
  std::this_thread::sleep_for(700ms);  // the window is open
  const Round truth = w.allocate();
  ASSERT_GT(truth.allocated, 0);
  const auto body = ok(js.get());
  ASSERT_TRUE(body);
  const auto doc = nlohmann::json::parse(*body);
  const Round quarter{truth.allocated / 4, truth.kept / 4};
  for (const char* fn : {"allocate_aligned", "allocate_posix", "allocate_relayed", "allocate_paged"})
    expect_truth(doc, quarter, fn);
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// The refusals, each one line: no pid= (400), a process that does not exist
// (404), a static binary without glibc to probe (501); the heap path as the
// allocs one.
TEST_F(HeapE2E, RequestsWithoutAPidOrForNoProcessAreRefusedWithTheReason) {
  TempDir out;
  Daemon d({"--output", out.path.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  expect_refusal(d, "/debug/pprof/allocs?seconds=1", 400, "pid=");
  expect_refusal(d, "/debug/pprof/allocs?seconds=1&pid=4194000", 404, "no such process");
  expect_refusal(d, "/debug/pprof/heap?seconds=1", 400, "pid=");
  expect_refusal(d, "/debug/pprof/heap?seconds=1&pid=4194000", 404, "no such process");
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
