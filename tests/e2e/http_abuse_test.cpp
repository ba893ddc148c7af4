// End-to-end: the real daemon's HTTP server under abusive local clients
// (issue 15). Hundreds of idle and trickling connections, too many
// connections, too many long profile requests, and methods other than GET:
// /healthz and /metrics must keep answering within 1 s, and every refusal
// must be counted in /metrics.
//
// Latency bounds are the requirement here (a Prometheus scrape times out),
// so this file asserts them: the maximum over many probes below 1 s, where
// the server without the acceptor took 5 s and more.
#include <gtest/gtest.h>
#include "http/cpp_httplib.h"
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "../userspace/http/raw_client.h"
#include "gate.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using profbufd::testing::RawConnection;
using Clock = std::chrono::steady_clock;

struct Daemon {
  explicit Daemon(const fs::path& out, std::vector<std::string> extra = {})
      : port(free_port()), proc([&] {
          std::vector<std::string> argv{build_dir() + "/profbufd",
                                        "--frequency",
                                        "99",
                                        "--output",
                                        out.string(),
                                        "--http-listen",
                                        "127.0.0.1:" + std::to_string(port)};
          argv.insert(argv.end(), extra.begin(), extra.end());
          return argv;
        }()) {
    ready = proc.wait_for_stderr("sampling", 20s);
  }
  // One request on a connection of its own; status 0 when none came back.
  struct Probe {
    int status = 0;
    Clock::duration took{};
    std::string body;
  };
  Probe get(const std::string& path, std::chrono::seconds timeout = 3s) const {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(timeout);
    c.set_read_timeout(timeout);
    const auto start = Clock::now();
    auto r = c.Get(path.c_str());
    Probe p;
    p.took = Clock::now() - start;
    if (r) {
      p.status = r->status;
      p.body = r->body;
    }
    return p;
  }
  double refused(const std::string& reason) const {
    const Probe m = get("/metrics");
    return metric(m.body, "profbufd_http_refused_total{reason=\"" + reason + "\"}").value_or(-1);
  }
  std::uint16_t port16() const { return static_cast<std::uint16_t>(port); }
  int port;
  Subprocess proc;
  bool ready = false;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

class HttpAbuseE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFBUFD_REQUIRE_BPF_OR_SKIP();
    // 512 client sockets here, as many in the daemon.
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < 4096 && lim.rlim_max >= 4096) {
      lim.rlim_cur = 4096;
      setrlimit(RLIMIT_NOFILE, &lim);
    }
  }
};

// An attacker's pool of connections: kept open, reopened when the server
// closes one (at the header deadline), trickling one byte each every 500 ms
// when `trickle`.
struct Attackers {
  Attackers(std::uint16_t port, std::size_t n, bool trickle) : port_(port), trickle_(trickle) {
    for (std::size_t i = 0; i < n; ++i) conns_.push_back(open());
  }
  RawConnection open() const {
    RawConnection c(port_);
    if (trickle_) c.send("GET /healthz HTTP/1.1\r\nX-Slow: ");
    return c;
  }
  // Once every 500 ms from the attackers' thread.
  void tick() {
    for (auto& c : conns_) {
      if (c.closed_within(0ms)) {
        c = open();
        ++reopened;
      } else if (trickle_) {
        c.send("a");
      }
    }
  }
  std::uint16_t port_;
  bool trickle_;
  std::vector<RawConnection> conns_;
  std::size_t reopened = 0;
};

TEST_F(HttpAbuseE2E, HealthzAndMetricsAnswerWithin1sUnder256IdleAnd256TricklingClients) {
  TempDir out;
  Daemon d(out.path);
  ASSERT_TRUE(d.ready) << d.proc.err();
  Attackers idle(d.port16(), 256, false), trickle(d.port16(), 256, true);
  std::atomic<bool> done{false};
  std::thread attack([&] {
    while (!done.load()) {
      std::this_thread::sleep_for(500ms);
      idle.tick();
      trickle.tick();
    }
  });
  std::this_thread::sleep_for(300ms);  // every connection accepted and waiting
  Clock::duration worst_healthz{}, worst_metrics{};
  int probes = 0, failures = 0;
  // 6.5 s: past the 5 s header deadline, so through the eviction and the
  // reconnection of all 512.
  for (const auto end = Clock::now() + 6500ms; Clock::now() < end; ++probes) {
    const Daemon::Probe h = d.get("/healthz"), m = d.get("/metrics");
    if (h.status != 200 || m.status != 200) ++failures;
    worst_healthz = std::max(worst_healthz, h.took);
    worst_metrics = std::max(worst_metrics, m.took);
    std::this_thread::sleep_for(100ms);
  }
  done = true;
  attack.join();
  std::cout << "probes " << probes << ": /healthz max " << ms(worst_healthz) << " ms, /metrics max "
            << ms(worst_metrics) << " ms; reopened " << idle.reopened << " idle, "
            << trickle.reopened << " trickling\n";
  EXPECT_EQ(failures, 0);
  EXPECT_GE(probes, 10);
  EXPECT_LT(worst_healthz, 1s);
  EXPECT_LT(worst_metrics, 1s);
  // The deadline evicted them (and they came back): all counted.
  EXPECT_GE(idle.reopened + trickle.reopened, 400u);
  EXPECT_GE(d.refused("header_timeout"), 400);
}

TEST_F(HttpAbuseE2E, PastTheConnectionCapIsA503AndCounted) {
  TempDir out;
  Daemon d(out.path, {"--http-max-connections", "32"});
  ASSERT_TRUE(d.ready) << d.proc.err();
  EXPECT_EQ(d.refused("connection_limit"), 0);
  // The connection that scrape used is closed once the server has it back,
  // a moment after the client saw the answer.
  std::this_thread::sleep_for(200ms);
  std::vector<RawConnection> held;
  for (int i = 0; i < 32; ++i) held.emplace_back(d.port16());
  std::this_thread::sleep_for(300ms);
  for (const auto& c : held) ASSERT_FALSE(c.closed_within(0ms)) << "refused below the cap";
  for (int i = 0; i < 3; ++i) {
    RawConnection extra(d.port16());
    ASSERT_TRUE(extra.ok());
    const std::string got = extra.read_all(2s);
    EXPECT_EQ(got.rfind("HTTP/1.1 503 ", 0), 0u) << got;
    EXPECT_NE(got.find("\r\n\r\nprofbufd: too many connections open (32"), std::string::npos)
        << got;
  }
  held.clear();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(d.get("/healthz").status, 200);
  EXPECT_EQ(d.refused("connection_limit"), 3);
}

TEST_F(HttpAbuseE2E, LongProfileRequestsPastTheBudgetAre503WhileHealthzAnswers) {
  TempDir out;
  Daemon d(out.path);
  ASSERT_TRUE(d.ready) << d.proc.err();
  std::vector<std::future<Daemon::Probe>> profiles;
  for (int i = 0; i < 12; ++i) {
    profiles.push_back(std::async(std::launch::async,
                                  [&d] { return d.get("/debug/pprof/profile?seconds=2", 10s); }));
  }
  std::this_thread::sleep_for(300ms);
  Clock::duration worst{};
  for (int i = 0; i < 10; ++i) {
    const Daemon::Probe h = d.get("/healthz");
    EXPECT_EQ(h.status, 200);
    worst = std::max(worst, h.took);
    std::this_thread::sleep_for(100ms);
  }
  int ok = 0, refused = 0;
  for (auto& f : profiles) {
    const Daemon::Probe p = f.get();
    if (p.status == 200) ++ok;
    if (p.status == 503) {
      ++refused;
      EXPECT_NE(p.body.find("profiles are being collected already"), std::string::npos) << p.body;
      EXPECT_LT(p.took, 1s) << "refused at once, not after a window";
    }
  }
  std::cout << "/healthz max " << ms(worst) << " ms with 12 profile requests\n";
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(refused, 4);
  EXPECT_LT(worst, 1s);
  EXPECT_EQ(d.refused("long_request_limit"), 4);
}

TEST_F(HttpAbuseE2E, EveryOtherMethodIs405OnEveryPathAtOnce) {
  TempDir out;
  Daemon d(out.path);
  ASSERT_TRUE(d.ready) << d.proc.err();
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"}) {
    for (const char* path : {"/", "/metrics", "/healthz", "/debug/pprof/profile?seconds=5",
                             "/api/collect?seconds=5", "/no/such/path"}) {
      // No Content-Length: cpp-httplib alone waited 5 s for a body here.
      RawConnection c(d.port16());
      ASSERT_TRUE(c.send(std::string(method) + " " + path +
                         " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
      const auto start = Clock::now();
      const std::string got = c.read_all(3s);
      EXPECT_LT(Clock::now() - start, 1s) << method << " " << path;
      EXPECT_EQ(got.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u)
          << method << " " << path << ": " << got;
      EXPECT_NE(got.find("\r\nAllow: GET\r\n"), std::string::npos) << got;
      if (std::string_view(method) != "HEAD") {
        EXPECT_NE(got.find("\r\n\r\nprofbufd: method " + std::string(method) +
                           " not allowed (use GET)\n"),
                  std::string::npos)
            << got;
      }
    }
  }
  const Daemon::Probe m = d.get("/metrics");
  EXPECT_GE(metric(m.body, "profbufd_http_requests_total{endpoint=\"/metrics\",code=\"405\"}")
                .value_or(0),
            7);
}

}  // namespace
}  // namespace profbufd::e2e
