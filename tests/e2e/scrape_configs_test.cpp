// End-to-end: the URLs that the Parca and Grafana Alloy scrape configurations
// of the README request (every profile type they offer that profbufd serves)
// each return 200 with a profile the real go tool pprof reads, all at once,
// as a scraper asks them: one job's profile types overlap in time.
//
// Alloy (pyroscope.scrape) adds seconds=<interval - 1> to a type with
// delta = true (14 at its default 15 s interval); Parca adds seconds for its
// delta types likewise. The README's jobs set delta on every type, so that
// each window ends before the scraper's timeout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "gate.h"
#include "kind_daemon.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Scrape {
  std::string path;       // as the scraper asks it
  std::string top_type;   // the sample type go tool pprof -top shows first
};

// The README's jobs, at Alloy's default interval: the host job (CPU, off-CPU,
// locks, the threads' snapshot, which is not a delta) and the process job
// (memory of one pid, params pid=).
std::vector<Scrape> scrapes(const std::string& pid) {
  return {
      {"/debug/pprof/profile?seconds=14", "cpu"},
      {"/debug/pprof/block?seconds=14", "delay"},
      {"/debug/pprof/mutex?seconds=14", "delay"},
      {"/debug/pprof/goroutine", "goroutine"},
      {"/debug/pprof/allocs?seconds=14&pid=" + pid, "alloc_space"},
      {"/debug/pprof/heap?seconds=14&pid=" + pid, "inuse_space"},
  };
}

TEST(ScrapeConfigsE2E, EveryUrlTheReadmesParcaAndAlloyJobsRequestIsAProfile) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  Subprocess workload({build_dir() + "/tests/programs/heap_workload"});
  const std::string pid = std::to_string(workload.pid());
  ASSERT_EQ(workload.read_line().rfind("pid ", 0), 0u);
  TempDir out;
  Daemon d({"--output", out.path.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  const std::vector<Scrape> all = scrapes(pid);
  std::vector<std::future<httplib::Result>> answers;
  for (const Scrape& s : all)
    answers.push_back(std::async(std::launch::async, [&d, p = s.path] { return d.get(p); }));
  std::this_thread::sleep_for(2s);
  workload.signal(SIGUSR1);  // a round of allocations for the memory types
  for (std::size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE(all[i].path);
    const httplib::Result r = answers[i].get();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const fs::path file = out.path / ("scrape" + std::to_string(i) + ".pb.gz");
    std::ofstream(file, std::ios::binary) << r->body;
    const auto top = go_pprof({"-top", file.string()});
    ASSERT_EQ(top.status, 0) << top.err;
    EXPECT_NE(top.out.find("Type: " + all[i].top_type), std::string::npos) << top.out;
  }
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

}  // namespace
}  // namespace profbufd::e2e
