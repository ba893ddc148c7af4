// End-to-end: the real profbufd binary, the real BPF program and kernel, real
// workloads, and real consumers (go tool pprof) of what it writes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cpu_share.h"
#include "gate.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string profbufd_bin() { return build_dir() + "/profbufd"; }
// Whether `go tool pprof -traces` output has a line "<key>: <value>" (any spacing).
bool has_label(const std::string& traces, const std::string& key, const std::string& value) {
  std::istringstream in(traces);
  std::string line;
  while (std::getline(in, line)) {
    const auto k = line.find_first_not_of(' ');
    if (k == std::string::npos || line.compare(k, key.size() + 1, key + ":") != 0) continue;
    const auto v = line.find_first_not_of(' ', k + key.size() + 1);
    if (v != std::string::npos && line.substr(v) == value) return true;
  }
  return false;
}

// Frames of a JSON stack, leaf first: (function, kind).
std::vector<std::pair<std::string, std::string>> frames_of(const json& stack) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto& f : stack["frames"]) v.emplace_back(f["function"], f["kind"]);
  return v;
}

// Index of `fn` among user frames, or -1.
int index_of(const std::vector<std::pair<std::string, std::string>>& frames,
             const std::string& fn) {
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (frames[i].first == fn) return static_cast<int>(i);
  return -1;
}

class ProfbufdE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

// The main job: profile the machine for a few seconds while known workloads run,
// and check every output against the workloads and against each other.
TEST_F(ProfbufdE2E, ProfilesTheMachineIntoPprofJsonAndFolded) {
  SpinChain cpu({"--threads", "1", "--seconds", "20"});
  SpinChain sys({"--threads", "1", "--seconds", "20", "--syscalls"});
  TempDir out;
  CpuShare share;
  const auto r = run_measured({profbufd_bin(), "--duration", "4s", "--frequency", "99",
                               "--output", out.path.string(), "--format", "pprof,json,folded"},
                              share, {cpu.proc.pid()});
  ASSERT_EQ(r.status, 0) << r.err;

  const auto jsons = files_with(out.path, ".json");
  const auto pprofs = files_with(out.path, ".pb.gz");
  const auto foldeds = files_with(out.path, ".folded");
  ASSERT_EQ(jsons.size(), 1u);
  ASSERT_EQ(pprofs.size(), 1u);
  ASSERT_EQ(foldeds.size(), 1u);

  const json doc = json::parse(slurp(jsons[0]));
  EXPECT_EQ(doc["schema"], "profbufd/profile");
  const json& md = doc["metadata"];
  const double seconds = md["duration_ns"].get<double>() / 1e9;
  const double expected = 99.0 * md["cpus"].get<double>() * seconds;
  EXPECT_EQ(md["kind"], "cpu");
  EXPECT_EQ(md["details"]["frequency_hz"], 99);
  const auto total = md["totals"][0].get<std::uint64_t>();  // nothing lost (below)
  EXPECT_NEAR(static_cast<double>(total), expected, expected * 0.15)
      << "duration " << seconds << " s, cpus " << md["cpus"];
  EXPECT_EQ(md["lost_samples"].value("ringbuf_full", 0), 0);
  EXPECT_EQ(md["lost_samples"].value("profbuf_overflow", 0), 0);

  // The CPU-bound chain, caller -> callee, under the workload's pid and comm.
  std::uint64_t chain_samples = 0, syscall_kernel_samples = 0, sum = 0;
  for (const auto& s : doc["stacks"]) {
    sum += s["values"][0].get<std::uint64_t>();
    const auto fr = frames_of(s);
    const int c = index_of(fr, "spin_c"), b = index_of(fr, "spin_b"), a = index_of(fr, "spin_a");
    if (s["labels"]["pid"] == cpu.proc.pid() && c >= 0) {
      EXPECT_EQ(s["labels"]["comm"], "spin_chain");
      EXPECT_TRUE(b == c + 1 && a == b + 1) << s.dump();
      chain_samples += s["values"][0].get<std::uint64_t>();
    }
    if (s["labels"]["pid"] == sys.proc.pid() && !fr.empty() && fr[0].second == "kernel" && c >= 0) {
      syscall_kernel_samples += s["values"][0].get<std::uint64_t>();
    }
  }
  EXPECT_EQ(sum, total);  // nothing lost, so no synthetic stacks
  // One of two busy workload threads on two CPUs: up to half the samples, less
  // when other work competes for the CPUs; as many as the CPU time it had.
  expect_samples_match_cpu(chain_samples, share, 0, seconds, 99, "spin_chain");
  EXPECT_GT(syscall_kernel_samples, 10u) << "no kernel frames under the syscall loop";

  // go tool pprof reads the pprof and sees the same functions and total.
  const auto top = go_pprof({"-top", "-sample_index=samples", pprofs[0].string()});
  ASSERT_EQ(top.status, 0) << top.err;
  for (const char* fn : {"spin_a", "spin_b", "spin_c"})
    EXPECT_NE(top.out.find(fn), std::string::npos) << fn << " missing:\n" << top.out;
  // "Showing nodes accounting for N, X% of T total"
  const auto of = top.out.find(" total");
  ASSERT_NE(of, std::string::npos) << top.out;
  const auto start = top.out.rfind("of ", of);
  ASSERT_NE(start, std::string::npos) << top.out;
  EXPECT_EQ(std::stoull(top.out.substr(start + 3, of - start - 3)), total) << top.out;

  const auto traces = go_pprof({"-traces", pprofs[0].string()});
  ASSERT_EQ(traces.status, 0) << traces.err;
  // Labels print as "comm:  spin_chain" / "pid:  1234" above each trace.
  EXPECT_TRUE(has_label(traces.out, "comm", "spin_chain")) << traces.out.substr(0, 2000);
  EXPECT_TRUE(has_label(traces.out, "pid", std::to_string(cpu.proc.pid())));

  const auto raw = go_pprof({"-raw", pprofs[0].string()});
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_NE(raw.out.find("spin_chain"), std::string::npos);
  EXPECT_NE(raw.out.find("[kernel.kallsyms]"), std::string::npos);

  // Folded agrees with JSON: same total, and the chain as one line root-first.
  std::istringstream folded(slurp(foldeds[0]));
  std::string line;
  std::uint64_t folded_total = 0, folded_chain = 0;
  while (std::getline(folded, line)) {
    const auto sp = line.rfind(' ');
    ASSERT_NE(sp, std::string::npos) << line;
    const std::uint64_t n = std::stoull(line.substr(sp + 1));
    folded_total += n;
    if (line.rfind("spin_chain;", 0) == 0 && line.find(";spin_a;spin_b;spin_c") != std::string::npos)
      folded_chain += n;
  }
  EXPECT_EQ(folded_total, total);
  EXPECT_GE(folded_chain, chain_samples);  // folded merges both workloads' chains
}

TEST_F(ProfbufdE2E, PidFilterKeepsOnlyThatProcess) {
  SpinChain target({"--threads", "1", "--seconds", "20"});
  SpinChain other({"--threads", "1", "--seconds", "20"});
  TempDir out;
  CpuShare share;
  const auto r = run_measured({profbufd_bin(), "--duration", "2s", "--pid",
                               std::to_string(target.proc.pid()), "--output",
                               out.path.string(), "--format", "json"},
                              share, {target.proc.pid()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto jsons = files_with(out.path, ".json");
  ASSERT_EQ(jsons.size(), 1u);
  const json doc = json::parse(slurp(jsons[0]));
  std::uint64_t n = 0;
  for (const auto& s : doc["stacks"]) {
    EXPECT_EQ(s["labels"]["pid"], target.proc.pid()) << s.dump();
    n += s["values"][0].get<std::uint64_t>();
  }
  // ~99 Hz x 2 s of one busy thread, or what the machine's load left it.
  expect_samples_match_cpu(n, share, 0, doc["metadata"]["duration_ns"].get<double>() / 1e9, 99,
                           "target");
}

TEST_F(ProfbufdE2E, SigintWritesTheCurrentWindowAndExitsZero) {
  TempDir out;
  Subprocess p({profbufd_bin(), "--output", out.path.string(), "--format", "json"});
  ASSERT_TRUE(p.started());
  // Wait until sampling runs, then interrupt.
  ASSERT_TRUE(p.wait_for_stderr("sampling")) << p.err();
  sleep(1);
  p.signal(SIGINT);
  ASSERT_EQ(p.wait(), 0) << p.err();
  const auto jsons = files_with(out.path, ".json");
  ASSERT_EQ(jsons.size(), 1u);
  const json doc = json::parse(slurp(jsons[0]));
  EXPECT_GT(doc["metadata"]["totals"][0].get<std::uint64_t>(), 50u);
}

TEST_F(ProfbufdE2E, IntervalWritesWindowsAndKeepsTheNewest) {
  TempDir out;
  const auto r = run({profbufd_bin(), "--duration", "3500ms", "--interval", "1s", "--keep",
                      "2", "--output", out.path.string(), "--format", "json,folded"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto jsons = files_with(out.path, ".json");
  ASSERT_EQ(jsons.size(), 2u);
  EXPECT_EQ(files_with(out.path, ".folded").size(), 2u);
  EXPECT_TRUE(files_with(out.path, ".pb.gz").empty());
  // The newest two: a whole 1 s window, then the last 0.5 s of the run. Each
  // holds what 99 Hz on every CPU takes in its duration (idle accounted), so
  // a sample landing in the wrong window, or twice, shows in the counts.
  const json a = json::parse(slurp(jsons[0])), b = json::parse(slurp(jsons[1]));
  EXPECT_LT(a["metadata"]["start_unix_ns"].get<std::int64_t>(),
            b["metadata"]["start_unix_ns"].get<std::int64_t>());
  for (const json* w : {&a, &b}) {
    const json& md = (*w)["metadata"];
    const double seconds = md["duration_ns"].get<double>() / 1e9;
    const double expected = 99.0 * md["cpus"].get<double>() * seconds;
    EXPECT_NEAR(md["totals"][0].get<double>(), expected, expected * 0.15 + 3)
        << seconds << " s window";
  }
  EXPECT_NEAR(a["metadata"]["duration_ns"].get<double>(), 1e9, 1e6);
  EXPECT_NEAR(b["metadata"]["duration_ns"].get<double>(), 0.5e9, 0.05e9);
}

TEST_F(ProfbufdE2E, FullDiskExitsEightAndLeavesNoPartialFile) {
  TempDir dir;
  const std::string mnt = (dir.path / "tiny").string();
  fs::create_directory(mnt);
  ASSERT_EQ(run({"/bin/mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt}).status, 0);
  struct Unmount {
    std::string path;
    ~Unmount() { run({"/bin/umount", path}); }
  } unmount{mnt};
  // 15 of 16 pages used: the preflight probe file fits (so this is the failure
  // of a write at the end, not at start), the first profile file takes the last
  // page and the next one finds the disk full.
  {
    std::ofstream fill(mnt + "/fill", std::ios::binary);
    fill << std::string(60 * 1024, 'x');
  }
  const auto r = run({profbufd_bin(), "--duration", "1s", "--output", mnt, "--format",
                      "pprof,json,folded"});
  EXPECT_EQ(r.status, 8) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  std::size_t profiles = 0;
  for (const auto& e : fs::directory_iterator(mnt)) {
    const std::string name = e.path().filename();
    EXPECT_NE(name.front(), '.') << "temporary file left behind: " << name;
    if (name.ends_with(".pb.gz")) {
      ++profiles;  // written whole before the disk filled: go tool pprof reads it
      EXPECT_EQ(go_pprof({"-top", e.path().string()}).status, 0);
    }
    EXPECT_FALSE(name.ends_with(".json")) << "the JSON cannot have fit";
  }
  EXPECT_LE(profiles, 1u);
}

// Bad input: one clear line and a distinct exit code, checked before profiling.
TEST(ProfbufdErrors, UsageErrorExitsTwo) {
  const auto r = run({profbufd_bin(), "--frequency", "abc"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("profbufd: --frequency", 0), 0u) << r.err;
}

TEST(ProfbufdErrors, HelpAndVersion) {
  const auto h = run({profbufd_bin(), "--help"});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("--duration"), std::string::npos);
  const auto v = run({profbufd_bin(), "--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("profbufd ", 0), 0u) << v.out;
}

TEST(ProfbufdErrors, UnwritableOutputExitsFive) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();  // the privilege check comes first
  TempDir out;
  const std::string not_a_dir = (out.path / "file").string();
  std::ofstream(not_a_dir) << "x";
  const auto r = run({profbufd_bin(), "--duration", "1s", "--output", not_a_dir});
  EXPECT_EQ(r.status, 5) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(ProfbufdErrors, FrequencyAboveKernelLimitExitsSix) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  std::ifstream f("/proc/sys/kernel/perf_event_max_sample_rate");
  unsigned long max = 0;
  f >> max;
  ASSERT_GT(max, 0u);
  const auto r = run({profbufd_bin(), "--duration", "1s", "--frequency", std::to_string(max + 1)});
  EXPECT_EQ(r.status, 6) << r.err;
  EXPECT_NE(r.err.find("perf_event_max_sample_rate"), std::string::npos) << r.err;
}

TEST(ProfbufdErrors, WithoutPrivilegeExitsThreeAndSaysSudo) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();  // root is needed to drop to nobody
  const auto r = run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      "--inh-caps=-all", "--bounding-set=-all", profbufd_bin(), "--duration",
                      "1s", "--output", "/tmp"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("CAP_BPF"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sudo"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace profbufd::e2e
