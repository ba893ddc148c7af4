// End-to-end: the real daemon pushing to Pyroscope.
//
// No Pyroscope server can be installed here (it is not in Debian; no binary
// may be downloaded), so each test starts a receiver of its own that speaks
// the server's side of the two APIs: POST /push.v1.PusherService/Push, its
// body decoded by the code protoc generates from Pyroscope's push messages
// (tests/proto/push.proto: same packages, names and field numbers), and the
// legacy POST /ingest with the pprof as a multipart "profile" part. Every
// pprof received is read by the real `go tool pprof`.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cgroup/cgroup_path.h"
#include "gate.h"
#include "http/cpp_httplib.h"
#include "push.pb.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Received {
  std::string path;  // "/push.v1.PusherService/Push" or "/ingest"
  std::map<std::string, std::string> headers, params;
  std::vector<std::map<std::string, std::string>> series_labels;
  std::vector<std::string> pprofs;  // gzip pprof, one per series
};

class Receiver {
 public:
  // What the receiver answers the n-th request (0-based) to the Connect
  // path: its status, or a stall of that many ms (-1: until release(), at most
  // 60 s) after which it answers 504 and keeps nothing.
  std::function<int(int n)> connect_status = [](int) { return 200; };
  std::function<int(int n)> stall_ms = [](int) { return 0; };

  Receiver() {
    server_.Post("/push.v1.PusherService/Push", [this](const auto& req, auto& res) {
      const int n = connects_++;
      if (const int ms = stall_ms(n); ms != 0) {
        wait(ms);  // the client has given up by now
        res.status = 504;
        return;
      }
      res.status = connect_status(n);
      if (res.status != 200) {
        res.set_content("{\"code\":\"unavailable\"}", "application/json");
        return;
      }
      push::v1::PushRequest pr;
      if (req.get_header_value("Content-Type") != "application/proto" ||
          !pr.ParseFromString(req.body)) {
        res.status = 400;
        return;
      }
      Received r = common(req);
      for (const auto& s : pr.series()) {
        std::map<std::string, std::string> labels;
        for (const auto& l : s.labels()) labels[l.name()] = l.value();
        r.series_labels.push_back(labels);
        for (const auto& sample : s.samples()) r.pprofs.push_back(sample.raw_profile());
      }
      keep(std::move(r));
      res.set_content("", "application/proto");  // an empty PushResponse
    });
    server_.Post("/ingest", [this](const auto& req, auto& res) {
      if (!req.has_file("profile")) {
        res.status = 400;
        return;
      }
      Received r = common(req);
      r.pprofs.push_back(req.get_file_value("profile").content);
      keep(std::move(r));
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    release();
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return got_;
  }
  bool wait_received(std::size_t n, std::chrono::seconds timeout = 30s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }
  int connects() const { return connects_.load(); }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  Received common(const httplib::Request& req) {
    Received r;
    r.path = req.path;
    for (const auto& [k, v] : req.headers) r.headers[k] = v;
    for (const auto& [k, v] : req.params) r.params[k] = v;
    return r;
  }
  void keep(Received r) {
    std::lock_guard lock(mu_);
    got_.push_back(std::move(r));
    cv_.notify_all();
  }
  void wait(int ms) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, ms < 0 ? 60s : std::chrono::milliseconds(ms), [this] { return released_; });
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> connects_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> got_;
  bool released_ = false;
};

// The daemon with a window every second, files in `out`, HTTP for /metrics.
struct PushDaemon {
  PushDaemon(const fs::path& out, const std::string& url, std::vector<std::string> extra)
      : port(free_port()), proc([&] {
          std::vector<std::string> argv{build_dir() + "/profbufd", "--frequency", "99",
                                        "--interval", "1s", "--output", out.string(),
                                        "--format", "pprof", "--http-listen",
                                        "127.0.0.1:" + std::to_string(port),
                                        "--pyroscope-url", url};
          argv.insert(argv.end(), extra.begin(), extra.end());
          return argv;
        }()) {
    ready = proc.wait_for_stderr("sampling", 20s);
  }
  // The value of the first series of `name` whose labels contain `labels`.
  double metric(const std::string& name, const std::string& labels = "") {
    httplib::Client c("127.0.0.1", port);
    auto m = c.Get("/metrics");
    if (!m) return -1;
    std::istringstream in(m->body);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name, 0) != 0 || line.find(labels) == std::string::npos) continue;
      const char next = line[name.size()];
      if (next != ' ' && next != '{') continue;
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return -1;
  }
  int port;
  Subprocess proc;
  bool ready = false;
};

void expect_pprof_holds(const std::string& gz, const fs::path& dir, const std::string& fn) {
  const fs::path file = dir / "pushed.pb.gz";
  std::ofstream(file, std::ios::binary) << gz;
  const auto r = go_pprof({"-top", file.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(fn), std::string::npos) << r.out;
}

std::string host_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

// The service_name the push gives the samples of `pid`: as model/labeler.h
// names its cgroup (the unit, unless it is a container's own scope, else the
// container id) when it is in a unit or a container, the host's otherwise.
std::string service_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/cgroup");
  std::string path;
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
    else if (path.empty() && line.find(":name=systemd:") != std::string::npos)
      path = line.substr(line.find(":name=systemd:") + 14);
  }
  const cgroup::CgroupIdentity id = cgroup::describe_cgroup(path);
  if (!id.systemd_unit.empty() && !id.unit_is_container) return id.systemd_unit;
  if (!id.container_id.empty()) return id.container_id;
  return host_name();
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".gz";
  return n;
}

class PushE2E : public ::testing::Test {
 protected:
  void SetUp() override { PROFBUFD_REQUIRE_BPF_OR_SKIP(); }
};

TEST_F(PushE2E, EveryWindowReachesPyroscopeWithItsLabelsAndTheTokenFromAFile) {
  TempDir out, work;
  const fs::path token = work.path / "token";
  std::ofstream(token) << "glc_test_token\n";
  fs::permissions(token, fs::perms::owner_read | fs::perms::owner_write);
  Subprocess spin({build_dir() + "/tests/programs/spin_chain", "--threads", "1", "--seconds", "30"});
  ASSERT_EQ(spin.read_line().rfind("pid ", 0), 0u);
  Receiver rx;
  PushDaemon d(out.path, rx.url(),
               {"--pyroscope-token-file", token.string(), "--pyroscope-tenant", "team-a"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  ASSERT_TRUE(rx.wait_received(2)) << d.proc.err();

  Received r = rx.received().at(1);
  EXPECT_EQ(r.path, "/push.v1.PusherService/Push");
  EXPECT_EQ(r.headers["Authorization"], "Bearer glc_test_token");
  EXPECT_EQ(r.headers["X-Scope-OrgID"], "team-a");
  EXPECT_EQ(r.headers["Connect-Protocol-Version"], "1");
  // One series per unit or container that ran (issue 13's labels) and the
  // host's; the workload's named as the labeler names its cgroup.
  const std::string host = host_name();
  const std::string spin_service = service_of(spin.pid());
  ASSERT_EQ(r.pprofs.size(), r.series_labels.size());
  bool host_series = false;
  std::size_t spin_series = r.series_labels.size();
  for (std::size_t i = 0; i < r.series_labels.size(); ++i) {
    auto labels = r.series_labels[i];
    const std::string service = labels["service_name"];
    EXPECT_FALSE(service.empty());
    host_series |= service == host;
    if (service == spin_service) spin_series = i;
    labels.erase("service_name");
    EXPECT_EQ(labels, (std::map<std::string, std::string>{
                          {"__delta__", "false"}, {"__name__", "process_cpu"}, {"hostname", host}}));
  }
  EXPECT_TRUE(host_series) << "the host's series is always sent";
  ASSERT_LT(spin_series, r.series_labels.size()) << "no series " << spin_service;
  expect_pprof_holds(r.pprofs[spin_series], work.path, "spin_c");
  EXPECT_GE(d.metric("profbufd_push_requests_total", "code=\"200\""), 2);
  EXPECT_GT(d.metric("profbufd_push_bytes_total"), 0);

  // SIGTERM: the last window is written and pushed too; every window written
  // was pushed, once.
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(30s), 0) << d.proc.err();
  EXPECT_EQ(rx.received().size(), files_in(out.path)) << d.proc.err();
  EXPECT_EQ(d.proc.err().find("glc_test_token"), std::string::npos) << "secrets never logged";
}

TEST_F(PushE2E, A404OnConnectFallsBackToIngestWithBasicAuthFromAFile) {
  TempDir out, work;
  const fs::path password = work.path / "password";
  std::ofstream(password) << "s3cret";
  fs::permissions(password, fs::perms::owner_read | fs::perms::owner_write);
  Subprocess spin({build_dir() + "/tests/programs/spin_chain", "--threads", "1", "--seconds", "30"});
  ASSERT_EQ(spin.read_line().rfind("pid ", 0), 0u);
  Receiver rx;
  rx.connect_status = [](int) { return 404; };
  PushDaemon d(out.path, rx.url(),
               {"--pyroscope-user", "123456", "--pyroscope-password-file", password.string()});
  ASSERT_TRUE(d.ready) << d.proc.err();
  ASSERT_TRUE(rx.wait_received(2)) << d.proc.err();
  EXPECT_EQ(rx.connects(), 1) << "after one 404, straight to /ingest";
  EXPECT_TRUE(d.proc.wait_for_stderr("legacy /ingest", 5s)) << d.proc.err();
  // One /ingest per series: name=<service>{hostname=<host>}.
  const std::string host = host_name();
  const std::string spin_name = service_of(spin.pid()) + "{hostname=" + host + "}";
  bool host_series = false, spin_series = false;
  // A window's series arrive one request each: wait for the workload's.
  std::vector<Received> all;
  for (int i = 0; i < 100; ++i) {
    all = rx.received();
    bool seen = false;
    for (Received& r : all) seen |= r.params["name"] == spin_name;
    if (seen) break;
    std::this_thread::sleep_for(200ms);
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    Received r = all[i];
    EXPECT_EQ(r.path, "/ingest");
    EXPECT_EQ(r.headers["Authorization"], "Basic MTIzNDU2OnMzY3JldA==");  // 123456:s3cret
    const std::string name = r.params["name"];
    EXPECT_TRUE(name.ends_with("{hostname=" + host + "}")) << name;
    host_series |= name == host + "{hostname=" + host + "}";
    EXPECT_EQ(r.params["format"], "pprof");
    EXPECT_EQ(r.params["sampleRate"], "99");
    EXPECT_LT(std::stoll(r.params["from"]), std::stoll(r.params["until"]) + 1);
    if (name == spin_name && !spin_series) {
      spin_series = true;
      expect_pprof_holds(r.pprofs.at(0), work.path, "spin_c");
    }
  }
  EXPECT_TRUE(host_series);
  EXPECT_TRUE(spin_series) << "no /ingest named " << spin_name;
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(30s), 0) << d.proc.err();
}

TEST_F(PushE2E, ServerErrorsAndTimeoutsAreRetried) {
  TempDir out;
  Receiver rx;
  // Two 500s, then one answer slower than the request deadline, then fine.
  rx.connect_status = [](int n) { return n < 2 ? 500 : 200; };
  rx.stall_ms = [](int n) { return n == 2 ? 3000 : 0; };
  PushDaemon d(out.path, rx.url(), {"--pyroscope-timeout", "1s"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  ASSERT_TRUE(rx.wait_received(1)) << d.proc.err();
  EXPECT_GE(rx.connects(), 4);
  EXPECT_EQ(d.metric("profbufd_push_requests_total", "code=\"500\""), 2);
  EXPECT_GE(d.metric("profbufd_push_requests_total", "code=\"error\""), 1);
  EXPECT_TRUE(d.proc.wait_for_stderr("will retry", 5s));
  EXPECT_EQ(d.metric("profbufd_push_dropped_total", "reason=\"retries_exhausted\""), 0);
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(30s), 0) << d.proc.err();
}

TEST_F(PushE2E, AStalledServerCostsAtMostTheQueueAndSamplingGoesOn) {
  TempDir out;
  Receiver rx;
  rx.stall_ms = [](int) { return -1; };  // every request hangs until released
  constexpr double kQueue = 64 * 1024;  // the smallest allowed: a few windows
  PushDaemon d(out.path, rx.url(),
               {"--pyroscope-queue-size", "64K", "--pyroscope-timeout", "5m"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  const double samples_before = d.metric("profbufd_samples_total");
  // Windows pile up behind the stalled request until the oldest are dropped.
  double dropped = 0;
  for (int i = 0; i < 240 && dropped < 1; ++i) {
    std::this_thread::sleep_for(250ms);
    dropped = d.metric("profbufd_push_dropped_total", "reason=\"queue_full\"");
    EXPECT_LE(d.metric("profbufd_push_queue_bytes"), kQueue);
  }
  EXPECT_GE(dropped, 1) << d.proc.err();
  EXPECT_TRUE(d.proc.wait_for_stderr("queue full", 5s)) << d.proc.err();
  EXPECT_LE(d.metric("profbufd_push_queue_bytes"), kQueue);
  // Sampling and files never waited for the push.
  EXPECT_GT(d.metric("profbufd_samples_total"), samples_before);
  EXPECT_GE(files_in(out.path), 3u);
  httplib::Client c("127.0.0.1", d.port);
  auto health = c.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  // SIGTERM while the server still stalls: the flush gives up at its
  // deadline and the daemon exits cleanly.
  d.proc.signal(SIGTERM);
  EXPECT_EQ(d.proc.wait(30s), 0) << d.proc.err();
  EXPECT_NE(d.proc.err().find("shutdown deadline"), std::string::npos) << d.proc.err();
}

}  // namespace
}  // namespace profbufd::e2e
