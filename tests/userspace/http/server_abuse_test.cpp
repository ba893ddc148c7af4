// The real server under clients that hold connections without sending a
// request, trickle one, open too many, or pipeline: none of them may keep
// workers from answering everyone else, and every refusal is reported.
#include <gtest/gtest.h>
#include "http/cpp_httplib.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../encode/test_profile.h"
#include "fake_profile_source.h"
#include "http/refusals.h"
#include "http/server.h"
#include "raw_client.h"

namespace profbufd::http {
namespace {

using namespace std::chrono_literals;
using testing::FakeProfileSource;
using testing::RawConnection;
using testing::sample_profile;

class HttpAbuse : public ::testing::Test {
 protected:
  void start(std::size_t max_connections, std::chrono::milliseconds header_timeout,
             std::chrono::milliseconds write_timeout = 5s) {
    ServerOptions options;
    options.max_connections = max_connections;
    options.header_timeout = header_timeout;
    options.write_timeout = write_timeout;
    options.on_refused = [this](std::string_view reason) {
      std::lock_guard lock(mu_);
      refusals_.emplace_back(reason);
    };
    server_ = std::make_unique<Server>(
        ListenAddress{"127.0.0.1", 0}, source_, [this] { return metrics_page_; },
        [](std::string_view, int) {}, options);
    auto st = server_->start();
    ASSERT_TRUE(st.ok()) << st.error().line();
    port_ = server_->port();
  }
  void TearDown() override {
    source_.stop_sampling();
    server_.reset();
  }
  // The count of refusals for `reason` once it reached `at_least` (the hook
  // runs after the refusal is sent, so the client may see it first), or
  // after 2 s.
  std::size_t refused(std::string_view reason, std::size_t at_least = 0) {
    for (int i = 0;; ++i) {
      std::size_t n;
      {
        std::lock_guard lock(mu_);
        n = static_cast<std::size_t>(std::count(refusals_.begin(), refusals_.end(), reason));
      }
      if (n >= at_least || i == 400) return n;
      std::this_thread::sleep_for(5ms);
    }
  }
  // Waits until the acceptor has taken `n` connections (accept is async).
  bool wait_open(std::size_t n) {
    for (int i = 0; i < 400 && server_->open_connections() < n; ++i)
      std::this_thread::sleep_for(5ms);
    return server_->open_connections() >= n;
  }
  // The open connections once they stop changing towards `n` (within 2 s): a
  // client's close reaches the acceptor asynchronously, after its response.
  std::size_t settled_at(std::size_t n) {
    for (int i = 0; i < 400 && server_->open_connections() != n; ++i)
      std::this_thread::sleep_for(5ms);
    return server_->open_connections();
  }
  httplib::Result healthz(std::chrono::seconds timeout) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(timeout);
    c.set_read_timeout(timeout);
    return c.Get("/healthz");
  }

  FakeProfileSource source_{sample_profile()};
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::string metrics_page_ = "m 1\n";  // set before start()
  std::mutex mu_;
  std::vector<std::string> refusals_;
};

// Before the acceptor, 16 such connections took every worker for the read
// timeout (5 s), per read: /healthz waited behind them.
TEST_F(HttpAbuse, IdleAndTricklingConnectionsLeaveTheWorkersFree) {
  start(256, 10s);
  std::vector<RawConnection> idle, trickle;
  for (int i = 0; i < 40; ++i) {
    idle.emplace_back(port_);
    trickle.emplace_back(port_);
    ASSERT_TRUE(idle.back().ok() && trickle.back().ok());
    ASSERT_TRUE(trickle.back().send("GET /healthz HTTP/1.1\r\nX: "));
  }
  ASSERT_TRUE(wait_open(80));
  // Far below the old read timeout, and loose enough for a loaded machine:
  // the request needs no worker that a waiting connection could hold.
  for (int i = 0; i < 5; ++i) {
    for (auto& t : trickle) ASSERT_TRUE(t.send("a"));
    auto r = healthz(3s);
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
  }
  // The 80 are all still open; the /healthz clients' own connections are gone.
  EXPECT_EQ(settled_at(80), 80u);
}

// Responses are written by the acceptor as clients take them: 20 clients
// that never read an 8 MiB page (more than the 4 MiB a socket buffers at
// most) hold no worker (16) and are closed once the write timeout is up.
TEST_F(HttpAbuse, ClientsThatDoNotReadTheirResponsesHoldNoWorker) {
  metrics_page_ = std::string(8 << 20, 'm');
  start(64, 10s, 500ms);
  std::vector<RawConnection> readers;
  for (int i = 0; i < 20; ++i) {
    readers.emplace_back(port_);
    const int small = 4096;
    ::setsockopt(readers.back().fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ASSERT_TRUE(readers.back().send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  for (int i = 0; i < 3; ++i) {
    auto r = healthz(3s);
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(refused(kRefusedResponseTimeout, 20), 20u);
  // Closed by the server (a client with so small a window would take long
  // to drain what the kernel still sends, so ask the server, not them).
  for (int i = 0; i < 400 && server_->open_connections() > 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(server_->open_connections(), 0u);
}

TEST_F(HttpAbuse, TheHeadHasOneDeadlineNotOnePerRead) {
  start(64, 400ms);
  RawConnection slow(port_);
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\n"));
  const auto start = std::chrono::steady_clock::now();
  // A byte every 100 ms: never 400 ms without one, yet the head never ends.
  std::string got;
  for (int i = 0; i < 30 && got.empty(); ++i) {
    slow.send("X");
    got = slow.read_all(100ms);
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(got.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("\r\n\r\nprofbufd: request head not received within 400 ms\n"),
            std::string::npos)
      << got;
  EXPECT_LT(took, 2s);
  EXPECT_EQ(refused(kRefusedHeaderTimeout, 1), 1u);
  RawConnection silent(port_);
  EXPECT_TRUE(silent.closed_within(3s)) << "a connection that sends nothing is closed too";
  EXPECT_EQ(refused(kRefusedHeaderTimeout, 2), 2u);
}

TEST_F(HttpAbuse, PastTheConnectionCapIsAOneLine503) {
  start(8, 10s);
  std::vector<RawConnection> held;
  for (int i = 0; i < 8; ++i) held.emplace_back(port_);
  ASSERT_TRUE(wait_open(8));
  RawConnection extra(port_);
  const std::string got = extra.read_all(3s);
  EXPECT_EQ(got.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("\r\n\r\nprofbufd: too many connections open (8, --http-max-connections); "
                     "retry later\n"),
            std::string::npos)
      << got;
  EXPECT_EQ(refused(kRefusedConnectionLimit, 1), 1u);
  // A slot freed is a slot taken again.
  held.pop_back();
  for (int i = 0; i < 400 && server_->open_connections() > 7; ++i) std::this_thread::sleep_for(5ms);
  auto r = healthz(3s);
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpAbuse, AnOverlongHeadIs431) {
  start(8, 10s);
  RawConnection big(port_);
  std::string head = "GET / HTTP/1.1\r\n";
  while (head.size() <= kMaxHeadBytes) head += "X-Filler: " + std::string(1000, 'a') + "\r\n";
  ASSERT_TRUE(big.send(head));
  const std::string got = big.read_all(3s);
  EXPECT_EQ(got.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u) << got;
  EXPECT_EQ(refused(kRefusedHeaderTooLarge, 1), 1u);
}

TEST_F(HttpAbuse, KeptAliveAndPipelinedRequestsAreAnswered) {
  start(8, 10s);
  RawConnection c(port_);
  ASSERT_TRUE(
      c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
             "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string got = c.read_all(5s);
  const auto first = got.find("HTTP/1.1 200 OK\r\n");
  const auto second = got.find("HTTP/1.1 405 Method Not Allowed\r\n");
  const auto third = got.find("HTTP/1.1 200 OK\r\n", first + 1);
  ASSERT_NE(first, std::string::npos) << got;
  ASSERT_NE(second, std::string::npos) << got;
  ASSERT_NE(third, std::string::npos) << got;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_NE(got.find("\r\n\r\nm 1\n"), std::string::npos) << got;
  std::lock_guard lock(mu_);
  EXPECT_TRUE(refusals_.empty());
}

TEST_F(HttpAbuse, AnIdleKeptAliveConnectionIsClosedUncounted) {
  start(8, 300ms);
  RawConnection c(port_);
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string got = c.read_all(2s);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_EQ(refused(kRefusedHeaderTimeout), 0u);
}

// cpp-httplib waited its read timeout for the body of a POST that announced
// none; answered before cpp-httplib, it is a 405 at once.
TEST_F(HttpAbuse, APostWithoutContentLengthIsA405AtOnce) {
  start(8, 10s);
  RawConnection c(port_);
  ASSERT_TRUE(c.send("POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  std::string got;
  while (got.find("(use GET)\n") == std::string::npos &&
         std::chrono::steady_clock::now() - start < 3s) {
    got += c.read_all(50ms);
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("\r\nAllow: GET\r\n"), std::string::npos) << got;
}

}  // namespace
}  // namespace profbufd::http
