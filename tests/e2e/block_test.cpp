// End-to-end: the block (off-CPU) profile of a workload whose blocking is
// known (tests/programs/block_workload.c), over HTTP and in files, read by the
// real go tool pprof; off-CPU time over a window adds up to the window.
#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
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
  Workload()
      : proc({build_dir() + "/tests/programs/block_workload", "--seconds", "60", "--sleep-ms",
              "20"}) {
    const std::string line = proc.read_line();
    EXPECT_EQ(line.rfind("pid ", 0), 0u) << "block_workload did not start: " << line;
  }
  std::string pid() const { return std::to_string(proc.pid()); }
  Subprocess proc;
};

// Delay and contentions by thread name, from a profile in JSON.
std::map<std::string, std::pair<double, double>> by_comm(const nlohmann::json& doc) {
  std::map<std::string, std::pair<double, double>> out;
  for (const auto& s : doc["stacks"]) {
    auto& v = out[s["labels"]["comm"].get<std::string>()];
    v.first += s["values"][0].get<double>();
    v.second += s["values"][1].get<double>();
  }
  return out;
}

class BlockE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// Two windows of 3 s at once, of the workload only: one as pprof for go tool
// pprof, one as JSON for the sums.
TEST_F(BlockE2E, OffCpuTimeOverHttpAddsUpToTheWindowAndPprofReadsIt) {
  Workload w;
  TempDir out;
  Daemon d({"--output", out.path.string(), "--profiles", "cpu,block"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  const std::string q = "/debug/pprof/block?seconds=3&pid=" + w.pid();
  auto pprof = std::async(std::launch::async, [&] { return d.get(q); });
  auto json = d.get(q + "&format=json");
  auto pb = pprof.get();
  ASSERT_TRUE(json);
  ASSERT_EQ(json->status, 200) << json->body;
  ASSERT_TRUE(pb);
  ASSERT_EQ(pb->status, 200) << pb->body;

  const auto doc = nlohmann::json::parse(json->body);
  EXPECT_EQ(doc["metadata"]["sample_types"][1]["type"], "delay") << doc["metadata"];
  const double window = doc["metadata"]["duration_ns"].get<double>();
  EXPECT_NEAR(window, 3e9, 0.1e9);
  const auto sums = by_comm(doc);
  // Blocked the whole window in one read: all of it, on "[still blocked]".
  ASSERT_TRUE(sums.count("blk_pipe")) << json->body.substr(0, 2000);
  EXPECT_NEAR(sums.at("blk_pipe").second, window, 0.05 * window);
  // Blocked in 20 ms sleeps all the time: all of it, in up to 150 contentions.
  ASSERT_TRUE(sums.count("blk_sleep"));
  EXPECT_NEAR(sums.at("blk_sleep").second, window, 0.05 * window);
  // (Each cycle is 20 ms plus the wait for a CPU once woken, which the
  // delay includes, as off-CPU time does.)
  EXPECT_GT(sums.at("blk_sleep").first, 90);
  EXPECT_LE(sums.at("blk_sleep").first, 151);
  // Never blocks (preempted is not blocked).
  if (sums.count("blk_spin")) {
    EXPECT_LT(sums.at("blk_spin").second, 0.05 * window);
  }

  const fs::path file = out.path / "block.pb.gz";
  std::ofstream(file, std::ios::binary) << pb->body;
  const auto top = go_pprof({"-top", "-sample_index=delay", file.string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("block_in_nanosleep"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("[still blocked]"), std::string::npos) << top.out;
  const auto traces = go_pprof({"-traces", file.string()});
  ASSERT_EQ(traces.status, 0) << traces.err;
  // The stack it blocked in, kernel frames on top of the user ones.
  EXPECT_NE(traces.out.find("hrtimer_nanosleep"), std::string::npos) << traces.out;
  EXPECT_NE(traces.out.find("block_in_nanosleep"), std::string::npos) << traces.out;
  EXPECT_NE(traces.out.find("sleep_main"), std::string::npos) << traces.out;
  const auto counts = go_pprof({"-top", "-sample_index=contentions", file.string()});
  ASSERT_EQ(counts.status, 0) << counts.err;
  EXPECT_NE(counts.out.find("block_in_nanosleep"), std::string::npos) << counts.out;

  // The kind's own losses are metrics too.
  auto m = d.get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_TRUE(metric(m->body, "profbufd_block_lost_total{reason=\"blocked_map_full\"}"))
      << m->body;
  EXPECT_TRUE(metric(m->body, "profbufd_block_too_short_total")) << m->body;

  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// Without --profiles naming it, a daemon runs the block probes (they cost
// every context switch) only while a request holds them; threads already
// asleep when they are linked count from then on.
TEST_F(BlockE2E, ADaemonWithoutTheKindLinksItForItsRequestsOnly) {
  TempDir out;
  Daemon d({"--output", out.path.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  Subprocess sleeper({"/bin/sleep", "30"});
  std::this_thread::sleep_for(200ms);  // asleep
  const auto doc = expect_linked_on_demand(
      d, "block", "/debug/pprof/block?seconds=2&pid=" + std::to_string(sleeper.pid()));
  ASSERT_FALSE(doc.is_null());
  double delay = 0;
  for (const auto& s : doc["stacks"]) delay += s["values"][1].get<double>();
  EXPECT_NEAR(delay, 2e9, 0.1 * 2e9) << "the sleeper slept the whole window\n" << doc["metadata"];
  auto cpu = d.get("/debug/pprof/profile?seconds=1");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->status, 200);
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// --profiles cpu,block: the one-shot run writes both kinds' files, each
// named by its kind, and the block one holds the workload's blocking.
TEST_F(BlockE2E, ProfilesFlagWritesBlockFiles) {
  Workload w;
  TempDir out;
  Subprocess p({build_dir() + "/profbufd", "--duration", "3s", "--profiles", "cpu,block",
                "--pid", w.pid(), "--format", "pprof,json", "--output", out.path.string()});
  ASSERT_EQ(p.wait(60s), 0) << p.err();
  const auto block = files_with(out.path, ".json");
  std::vector<fs::path> block_json, cpu_json;
  for (const auto& f : block)
    (f.filename().string().rfind("profbufd-block-", 0) == 0 ? block_json : cpu_json).push_back(f);
  ASSERT_EQ(block_json.size(), 1u);
  ASSERT_EQ(cpu_json.size(), 1u);
  const auto doc = nlohmann::json::parse(slurp(block_json[0]));
  const double window = doc["metadata"]["duration_ns"].get<double>();
  const auto sums = by_comm(doc);
  ASSERT_TRUE(sums.count("blk_sleep"));
  EXPECT_NEAR(sums.at("blk_sleep").second, window, 0.05 * window);
  ASSERT_TRUE(sums.count("blk_pipe"));
  EXPECT_NEAR(sums.at("blk_pipe").second, window, 0.05 * window);

  std::vector<fs::path> block_pb;
  for (const auto& f : files_with(out.path, ".pb.gz"))
    if (f.filename().string().rfind("profbufd-block-", 0) == 0) block_pb.push_back(f);
  ASSERT_EQ(block_pb.size(), 1u);
  const auto top = go_pprof({"-top", "-sample_index=delay", block_pb[0].string()});
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("block_in_nanosleep"), std::string::npos) << top.out;
}

}  // namespace
}  // namespace profbufd::e2e
