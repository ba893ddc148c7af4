// End-to-end: who each sample belongs to, with real podman containers. The
// real profbufd binary profiles a busy container beside a busy host process;
// its outputs must name the container (id, pid inside it, service name) and
// --cgroup must keep only it.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cpu_share.h"
#include "gate.h"
#include "http/cpp_httplib.h"
#include "podman.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

using nlohmann::json;

std::string profbufd_bin() { return build_dir() + "/profbufd"; }

// A busy loop in the container's shell: samples of comm "sh" at nspid 1.
std::vector<std::string> busy() { return {"/bin/sh", "-c", "while :; do :; done"}; }

json the_json(const TempDir& out) {
  const auto files = files_with(out.path, ".json");
  EXPECT_EQ(files.size(), 1u);
  return files.empty() ? json() : json::parse(slurp(files[0]));
}

std::uint64_t samples_of(const json& stack) { return stack["values"][0].get<std::uint64_t>(); }

class ContainersE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFBUFD_REQUIRE_BPF_OR_SKIP();
    PROFBUFD_REQUIRE_PODMAN_OR_SKIP();
  }
};

TEST_F(ContainersE2E, ContainerSamplesCarryItsIdNspidAndServiceName) {
  Container c(busy());
  ASSERT_TRUE(c.ok()) << c.error();
  SpinChain host({"--threads", "1", "--seconds", "30"});  // not in any container
  TempDir out;
  CpuShare share;
  const auto r = run_measured({profbufd_bin(), "--duration", "3s", "--output", out.path.string(),
                               "--format", "json,pprof,folded", "--folded-root", "service_name"},
                              share, {c.host_pid(), host.proc.pid()});
  ASSERT_EQ(r.status, 0) << r.err;
  const json doc = the_json(out);
  const double window_s = doc["metadata"]["duration_ns"].get<double>() / 1e9;

  std::uint64_t in_container = 0, on_host = 0;
  for (const auto& s : doc["stacks"]) {
    const json& l = s["labels"];
    if (l["pid"] == c.host_pid()) {
      EXPECT_EQ(l["comm"], "sh");
      EXPECT_EQ(l.value("container_id", ""), c.id()) << l.dump();
      EXPECT_EQ(l.value("nspid", 0), 1) << l.dump();  // the container's pid 1
      EXPECT_EQ(l.value("service_name", ""), c.id()) << l.dump();
      EXPECT_EQ(l.value("cgroup", ""), c.cgroup()) << l.dump();
      in_container += samples_of(s);
    }
    if (l["pid"] == host.proc.pid()) {
      EXPECT_FALSE(l.contains("container_id")) << l.dump();
      EXPECT_FALSE(l.contains("nspid")) << l.dump();
      EXPECT_EQ(l.value("service_name", ""), "spin_chain") << l.dump();  // no unit here: comm
      on_host += samples_of(s);
    }
  }
  // Each had a CPU's worth of work to do for 3 s at 99 Hz on 2 CPUs, and got
  // what the machine's load left it: its samples match the CPU time it had.
  expect_samples_match_cpu(in_container, share, 0, window_s, 99, "container");
  expect_samples_match_cpu(on_host, share, 1, window_s, 99, "host process");

  // pprof carries the same labels, as go tool pprof shows them.
  const auto pprofs = files_with(out.path, ".pb.gz");
  ASSERT_EQ(pprofs.size(), 1u);
  const auto tagged =
      go_pprof({"-top", "-sample_index=samples", "-tagfocus", "container_id=" + c.id(),
                pprofs[0].string()});
  ASSERT_EQ(tagged.status, 0) << tagged.err;
  // "Showing nodes accounting for N, X% of T total": N is what the focus kept.
  const std::string kFor = "accounting for ";
  const auto at = tagged.out.find(kFor);
  ASSERT_NE(at, std::string::npos) << tagged.out;
  EXPECT_EQ(std::stoull(tagged.out.substr(at + kFor.size())), in_container) << tagged.out;

  // The folded root frame is the service name.
  std::istringstream folded(slurp(files_with(out.path, ".folded").at(0)));
  std::string line;
  std::uint64_t folded_container = 0;
  while (std::getline(folded, line))
    if (line.rfind(c.id() + ";sh;", 0) == 0)
      folded_container += std::stoull(line.substr(line.rfind(' ') + 1));
  EXPECT_EQ(folded_container, in_container);
}

TEST_F(ContainersE2E, CgroupFilterKeepsOnlyTheContainerInTheKernel) {
  Container c(busy());
  ASSERT_TRUE(c.ok()) << c.error();
  SpinChain host({"--threads", "1", "--seconds", "30"});  // not in any container
  // Both spellings of the path: as /proc/PID/cgroup prints it, and the parent
  // (descendants are kept) as its directory under the cgroup2 mount.
  for (const std::string& cgroup : {c.cgroup(), std::string("/sys/fs/cgroup/unified/libpod_parent")}) {
    TempDir out;
    CpuShare share;
    const auto r = run_measured({profbufd_bin(), "--duration", "2s", "--output",
                                 out.path.string(), "--format", "json", "--cgroup", cgroup},
                                share, {c.host_pid()});
    ASSERT_EQ(r.status, 0) << r.err;
    const json doc = the_json(out);
    std::uint64_t n = 0;
    for (const auto& s : doc["stacks"]) {
      EXPECT_EQ(s["labels"].value("container_id", ""), c.id()) << cgroup << ": " << s.dump();
      n += samples_of(s);
    }
    expect_samples_match_cpu(n, share, 0, doc["metadata"]["duration_ns"].get<double>() / 1e9,
                             99, cgroup);
    // Filtered: no idle time is accounted (it would not be the container's).
    EXPECT_EQ(doc["metadata"]["details"]["idle_accounted_samples"], 0);
  }
}

TEST_F(ContainersE2E, HttpContainerAndCgroupSelections) {
  Container c(busy());
  ASSERT_TRUE(c.ok()) << c.error();
  SpinChain host({"--threads", "1", "--seconds", "30"});  // not in any container
  TempDir out;
  Subprocess d({profbufd_bin(), "--http-listen", "127.0.0.1:0", "--output", out.path.string()});
  ASSERT_TRUE(d.wait_for_stderr("listening on 127.0.0.1:", std::chrono::seconds(20))) << d.err();
  const std::string& err = d.err();
  const auto at = err.find("listening on 127.0.0.1:");
  const std::string port = err.substr(at + 23, err.find('\n', at) - at - 23);
  for (const std::string& query :
       {"container=" + c.id().substr(0, 12), std::string("cgroup=/libpod_parent")}) {
    httplib::Client client("127.0.0.1", std::stoi(port));
    client.set_read_timeout(30, 0);
    CpuShare share({c.host_pid()});
    const auto r = client.Get("/debug/pprof/profile?seconds=2&format=json&" + query);
    share.stop();
    ASSERT_TRUE(r) << query;
    ASSERT_EQ(r->status, 200) << query << ": " << r->body;
    const json doc = json::parse(r->body);
    std::uint64_t n = 0;
    for (const auto& s : doc["stacks"]) {
      EXPECT_EQ(s["labels"].value("container_id", ""), c.id()) << query << ": " << s.dump();
      n += samples_of(s);
    }
    expect_samples_match_cpu(n, share, 0, 2.0, 99, query);
  }
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(), 0) << d.err();
}

TEST_F(ContainersE2E, ACgroupThatDoesNotExistIsAUsageError) {
  TempDir out;
  const auto r = run({profbufd_bin(), "--duration", "1s", "--output", out.path.string(),
                      "--cgroup", "/no/such/cgroup"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("no such cgroup"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace profbufd::e2e
