// End-to-end: profbufd as a long-running service. The real daemon, scraped over
// HTTP by the real consumers: go tool pprof, promtool, a real Prometheus server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include "http/cpp_httplib.h"
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gate.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string profbufd_bin() { return build_dir() + "/profbufd"; }

// The daemon as the unit runs it: HTTP on loopback, a window every interval.
struct Daemon {
  Daemon(const fs::path& out, std::vector<std::string> extra = {})
      : port(free_port()), proc([&] {
          std::vector<std::string> argv{profbufd_bin(), "--frequency", "99", "--output",
                                        out.string(), "--http-listen",
                                        "127.0.0.1:" + std::to_string(port)};
          argv.insert(argv.end(), extra.begin(), extra.end());
          return argv;
        }()) {
    ready = proc.wait_for_stderr("sampling", 20s);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    return c;
  }
  int port;
  Subprocess proc;
  bool ready = false;
};

class ServiceE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

TEST_F(ServiceE2E, GoToolPprofPullsAProfileOverHttp) {
  TempDir out;
  Subprocess spin({build_dir() + "/tests/programs/spin_chain", "--threads", "1", "--seconds", "30"});
  ASSERT_EQ(spin.read_line().rfind("pid ", 0), 0u);
  Daemon d(out.path);
  ASSERT_TRUE(d.ready) << d.proc.err();
  const auto r = go_pprof({"-top", d.url("/debug/pprof/profile?seconds=3")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("spin_c"), std::string::npos) << r.out;

  // The same window in the other formats, filtered to one process.
  auto c = d.client();
  auto j = c.Get("/debug/pprof/profile?seconds=1&format=json&pid=" + std::to_string(spin.pid()));
  ASSERT_TRUE(j);
  EXPECT_EQ(j->status, 200);
  const auto doc = nlohmann::json::parse(j->body);
  ASSERT_FALSE(doc["stacks"].empty());
  for (const auto& s : doc["stacks"]) EXPECT_EQ(s["labels"]["pid"], spin.pid());

  auto bad = c.Get("/debug/pprof/profile?seconds=abc");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

TEST_F(ServiceE2E, MetricsPassPromtoolAndARealPrometheusScrapesThem) {
  TempDir out;
  Daemon d(out.path);
  ASSERT_TRUE(d.ready) << d.proc.err();
  auto c = d.client();
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->status, 200);
  for (const char* name : {"profbufd_samples_total", "profbufd_lost_samples_total",
                           "profbufd_ringbuf_capacity_bytes", "profbufd_build_info",
                           "process_cpu_seconds_total", "process_resident_memory_bytes"})
    EXPECT_NE(m->body.find(name), std::string::npos) << name << "\n" << m->body;
  {
    std::ofstream(out.path / "metrics.txt") << m->body;
  }
  const auto check = run({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " +
                                               (out.path / "metrics.txt").string()});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "") << "promtool complained";

  // A real Prometheus server scraping the daemon on loopback.
  const int prom_port = free_port();
  const fs::path cfg = out.path / "prometheus.yml";
  std::ofstream(cfg) << "global:\n  scrape_interval: 1s\n"
                        "scrape_configs:\n  - job_name: profbufd\n    static_configs:\n"
                        "      - targets: ['127.0.0.1:" << d.port << "']\n";
  Subprocess prom({"/usr/bin/prometheus", "--config.file=" + cfg.string(),
                   "--storage.tsdb.path=" + (out.path / "tsdb").string(),
                   "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)});
  httplib::Client pc("127.0.0.1", prom_port);
  std::string last;
  bool found = false;
  for (int i = 0; i < 60 && !found; ++i) {
    std::this_thread::sleep_for(500ms);
    auto q = pc.Get("/api/v1/query?query=profbufd_samples_total");
    if (!q || q->status != 200) continue;
    last = q->body;
    const auto doc = nlohmann::json::parse(q->body, nullptr, false);
    found = !doc.is_discarded() && doc["status"] == "success" && !doc["data"]["result"].empty();
  }
  EXPECT_TRUE(found) << "Prometheus never got profbufd_samples_total: " << last << "\n"
                     << prom.err().substr(0, 2000);
  prom.signal(SIGTERM);
  prom.wait(20s);
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

// A window that cannot be written (full disk) is logged and counted; the daemon
// keeps sampling and the next window is written once there is room again.
TEST_F(ServiceE2E, FullDiskIsCountedAndTheNextWindowIsWritten) {
  TempDir dir;
  const fs::path mnt = dir.path / "tiny";
  fs::create_directory(mnt);
  // 12 MiB: once the fill is gone, room for the --keep 2 windows plus the one
  // being written, however many stacks a busy machine gives a window (a 1 s
  // window of a loaded 2-CPU VM, ~190 distinct stacks with their labels and
  // table-walked user frames, is ~300 KB of JSON, and up to 1.5x that with
  // source lines and inlined frames; 4 MiB held only two while compilers ran).
  constexpr std::size_t kDisk = 12 * 1024 * 1024;
  ASSERT_EQ(run({"/bin/mount", "-t", "tmpfs", "-o", "size=" + std::to_string(kDisk), "tmpfs",
                 mnt.string()})
                .status,
            0);
  struct Unmount {
    std::string path;
    ~Unmount() { run({"/bin/umount", path}); }
  } unmount{mnt.string()};
  Daemon d(mnt, {"--interval", "1s", "--keep", "2", "--format", "json"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  {
    // Fill what is left (the write stops at the end of the disk): the next
    // window's JSON cannot fit.
    std::ofstream fill(mnt / "fill", std::ios::binary);
    fill << std::string(kDisk, 'x');
  }
  auto c = d.client();
  auto metric = [&](const std::string& name) -> long {
    auto m = c.Get("/metrics");
    if (!m) return -1;
    return static_cast<long>(e2e::metric(m->body, name).value_or(-1));
  };
  long errors = 0;
  for (int i = 0; i < 40 && errors < 1; ++i) {
    std::this_thread::sleep_for(250ms);
    errors = metric("profbufd_profile_write_errors_total");
  }
  EXPECT_GE(errors, 1) << d.proc.err();
  EXPECT_TRUE(d.proc.wait_for_stderr("No space left on device", 5s)) << d.proc.err();
  for (const auto& e : fs::directory_iterator(mnt))
    EXPECT_NE(e.path().filename().string().front(), '.') << "temporary file left behind";

  fs::remove(mnt / "fill");
  const long written_before = metric("profbufd_profiles_written_total");
  long written = written_before;
  for (int i = 0; i < 40 && written <= written_before; ++i) {
    std::this_thread::sleep_for(250ms);
    written = metric("profbufd_profiles_written_total");
  }
  EXPECT_GT(written, written_before) << d.proc.err();
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);  // still sampling
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(20s), 0) << d.proc.err();
}

}  // namespace
}  // namespace profbufd::e2e
