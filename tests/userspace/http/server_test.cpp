// The real server on 127.0.0.1 (kernel-chosen port), a fake profile source and
// metrics page, and real clients: cpp-httplib's and `go tool pprof`.
#include "http/server.h"

#include <gtest/gtest.h>
#include "http/cpp_httplib.h"
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../encode/gunzip.h"
#include "../encode/run_command.h"
#include "../encode/test_profile.h"
#include "fake_profile_source.h"
#include "raw_client.h"
#include "http/endpoints.h"
#include "encode/pprof.h"
#include "encode/render.h"

namespace profbufd::http {
namespace {

using namespace std::chrono_literals;
using testing::FakeProfileSource;
using testing::sample_profile;

constexpr const char* kMetricsText =
    "# HELP profbufd_samples_total Samples captured.\n"
    "# TYPE profbufd_samples_total counter\n"
    "profbufd_samples_total 42\n";

constexpr const char* kProfileUrl = "/debug/pprof/profile";

// Checks the one-line error body convention; returns the line for matching.
std::string expect_one_line(const httplib::Result& r) {
  if (!r) {
    ADD_FAILURE() << "no response: " << httplib::to_string(r.error());
    return {};
  }
  const std::string& b = r->body;
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.find('\n'), b.size() - 1) << "not one line: " << b;
  EXPECT_EQ(b.rfind("profbufd: ", 0), 0u) << b;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  return b;
}

class HttpServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(
        ListenAddress{"127.0.0.1", 0}, source_,
        [this] {
          ++metrics_calls_;
          return std::string(kMetricsText);
        },
        [this](std::string_view endpoint, int code) {
          std::lock_guard lock(hook_mu_);
          hook_.emplace_back(std::string(endpoint), code);
        },
        ServerOptions{.on_refused = [this](std::string_view reason) {
          std::lock_guard lock(hook_mu_);
          refusals_.emplace_back(reason);
        }});
    auto st = server_->start();
    ASSERT_TRUE(st.ok()) << st.error().line();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    // The documented order: sampling stops, then the server goes.
    source_.stop_sampling();
    server_.reset();
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }
  httplib::Result get(const std::string& path) const { return client().Get(path.c_str()); }

  // The hook runs after the response is written, so the client may see the
  // response first: wait for the hook to catch up.
  std::vector<std::pair<std::string, int>> hook_calls(std::size_t at_least) {
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard lock(hook_mu_);
        if (hook_.size() >= at_least) return hook_;
      }
      std::this_thread::sleep_for(5ms);
    }
    std::lock_guard lock(hook_mu_);
    return hook_;
  }

  FakeProfileSource source_{sample_profile()};
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::atomic<int> metrics_calls_{0};  // written by workers, read by the test
  std::mutex hook_mu_;
  std::vector<std::pair<std::string, int>> hook_;
  std::vector<std::string> refusals_;  // guarded by hook_mu_
};

TEST_F(HttpServer, IndexListsEveryEndpoint) {
  auto r = get("/");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->body, index_page());
  for (std::string_view p : {"/metrics", "/debug/pprof/profile", "/healthz"}) {
    EXPECT_NE(r->body.find(p), std::string::npos) << p;
  }
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(HttpServer, MetricsServesTheCallbackPage) {
  auto r = get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r->body, kMetricsText);
  EXPECT_EQ(metrics_calls_.load(), 1);
  // Fresh on every scrape, not cached.
  ASSERT_TRUE(get("/metrics"));
  EXPECT_EQ(metrics_calls_.load(), 2);
}

TEST_F(HttpServer, HealthzFollowsTheSource) {
  auto ok = get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "ok\n");
  source_.set_healthy(false);
  auto down = get("/healthz");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(expect_one_line(down), "profbufd: not sampling\n");
  source_.set_healthy(true);
  EXPECT_EQ(get("/healthz")->status, 200);
}

TEST_F(HttpServer, ProfileIsGzipPprofLikeGo) {
  auto r = get(std::string(kProfileUrl) + "?seconds=1");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r->get_header_value("Content-Disposition"), "attachment; filename=\"profile\"");
  ASSERT_GE(r->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(r->body[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(r->body[1]), 0x8b);
  EXPECT_EQ(testing::gunzip(r->body), encode_pprof_proto(sample_profile()));

  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].duration, 1s);
  EXPECT_TRUE(reqs[0].pids.empty());
}

TEST_F(HttpServer, ProfileDefaultsToThirtySeconds) {
  source_.hold();
  auto pending = std::async(std::launch::async, [this] { return get(kProfileUrl); });
  ASSERT_TRUE(source_.wait_in_flight(1));
  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].duration, 30s);
  source_.release();
  auto r = pending.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServer, ProfileInJsonAndFolded) {
  const Profile p = sample_profile();
  auto json = get(std::string(kProfileUrl) + "?seconds=1&format=json");
  ASSERT_TRUE(json);
  EXPECT_EQ(json->status, 200);
  EXPECT_EQ(json->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(json->has_header("Content-Disposition"));
  EXPECT_EQ(json->body, *render(p, OutputFormat::kJson));

  auto folded = get(std::string(kProfileUrl) + "?format=folded&seconds=1");
  ASSERT_TRUE(folded);
  EXPECT_EQ(folded->status, 200);
  EXPECT_EQ(folded->get_header_value("Content-Type"), "text/plain");
  EXPECT_EQ(folded->body, *render(p, OutputFormat::kFolded));
}

TEST_F(HttpServer, ProfilePidFilterReachesTheSource) {
  auto r = get(std::string(kProfileUrl) + "?seconds=1&pid=42&pid=7&debug=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].pids, (std::vector<std::uint32_t>{42, 7}));
}

TEST_F(HttpServer, ProfileBadQueriesAre400WithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"seconds=0", "seconds=0: must be at least 1"},
      {"seconds=-1", "seconds=-1: not a whole number of seconds"},
      {"seconds=abc", "seconds=abc: not a whole number of seconds"},
      {"seconds=99999", "seconds=99999: above the maximum of 300"},
      {"seconds=301", "seconds=301: above the maximum of 300"},
      {"seconds=", "seconds=: not a whole number of seconds"},
      {"seconds=1&seconds=2", "seconds: given more than once"},
      {"pid=x", "pid=x: not a process id"},
      {"pid=0", "pid=0: not a process id"},
      {"format=pdf", "format=pdf: unknown format"},
  };
  for (const auto& [query, reason] : cases) {
    auto r = get(std::string(kProfileUrl) + "?" + query);
    ASSERT_TRUE(r) << query;
    EXPECT_EQ(r->status, 400) << query;
    EXPECT_NE(expect_one_line(r).find(reason), std::string::npos) << query << ": " << r->body;
  }
  EXPECT_TRUE(source_.requests().empty()) << "a bad query must not open a window";
}

TEST_F(HttpServer, UnknownPathsAre404) {
  for (const char* path : {"/nope", "/metrics/", "/debug/pprof", "/debug/pprof/trace"}) {
    auto r = get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(expect_one_line(r), "profbufd: no such endpoint (GET / lists them)\n") << path;
  }
  // Another method is a 405 on unknown paths too: no resource here takes one.
  auto post = client().Post("/nope", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

// Go's heap and allocs paths are one kind's windows; heap's asks its profile
// to lead with inuse_space, as Go's does (which also probes frees),
// allocs' leaves the kind's default.
TEST_F(HttpServer, HeapAndAllocsAreWindowsOfTheHeapKindWithTheirDefaults) {
  auto heap = get("/debug/pprof/heap?pid=7&seconds=1");
  ASSERT_TRUE(heap);
  ASSERT_EQ(heap->status, 200) << heap->body;
  auto allocs = get("/debug/pprof/allocs?pid=7&seconds=1");
  ASSERT_TRUE(allocs);
  ASSERT_EQ(allocs->status, 200) << allocs->body;
  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.kind, "heap");
    EXPECT_EQ(r.pids, (std::vector<std::uint32_t>{7}));
  }
  EXPECT_EQ(reqs[0].sample_type, "inuse_space");
  EXPECT_EQ(reqs[1].sample_type, "");
}

TEST_F(HttpServer, OtherMethodsAre405) {
  httplib::Client c = client();
  auto post = c.Post("/metrics", "a=b", "application/x-www-form-urlencoded");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET");
  EXPECT_EQ(expect_one_line(post), "profbufd: method POST not allowed (use GET)\n");
  // Same connection: the body was consumed, the next request parses.
  auto after = c.Get("/healthz");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);

  auto put = c.Put(kProfileUrl, "", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  auto del = c.Delete("/");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  // Every path: the server has no method but GET anywhere.
  auto unknown = c.Delete("/no/such/path");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 405);
  EXPECT_EQ(unknown->get_header_value("Allow"), "GET");
  auto patch = c.Patch("/debug/pprof/profile?seconds=1", "", "text/plain");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 405);
  auto options = c.Options("/healthz");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 405);
  auto head = c.Head("/healthz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 405);
  EXPECT_EQ(head->get_header_value("Allow"), "GET");
  EXPECT_TRUE(source_.requests().empty());
}

TEST_F(HttpServer, RequestBodiesAreBounded) {
  // A POST is a 405 before its body is read; too large to skip, the body
  // ends the connection.
  auto r = client().Post("/metrics", std::string(kMaxBodyBytes + 1, 'x'), "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Connection"), "close");
  // GET takes no body: one too large to skip is answered, then the
  // connection ends.
  testing::RawConnection c(port_);
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                     std::to_string(kMaxBodyBytes + 1) + "\r\n\r\n" +
                     std::string(kMaxBodyBytes + 1, 'x')));
  const std::string got = c.read_all(5s);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
}

// A small body announced on a GET is skipped, never parsed as a request
// (which a proxy in front would not have seen as one).
TEST_F(HttpServer, AGetBodyIsNotTheNextRequest) {
  const std::string smuggled = "GET /metrics HTTP/1.1\r\n\r\n";
  testing::RawConnection c(port_);
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                     std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled));
  std::string got = c.read_all(500ms);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.find("HTTP/1.1", 1), std::string::npos) << "one response only: " << got;
  EXPECT_EQ(metrics_calls_.load(), 0);
  // The connection goes on with the next real request.
  ASSERT_TRUE(c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  got = c.read_all(5s);
  EXPECT_NE(got.find("profbufd_samples_total 42"), std::string::npos) << got;
}

TEST_F(HttpServer, OverlongRequestLineIs414) {
  auto r = get("/" + std::string(9000, 'a'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 414);
  expect_one_line(r);
}

TEST_F(HttpServer, BeyondTheConcurrencyBoundIs503AtOnce) {
  source_.hold();
  std::vector<std::future<httplib::Result>> held;
  for (std::size_t i = 0; i < kMaxConcurrentProfiles; ++i) {
    held.push_back(std::async(std::launch::async, [this] {
      return get(std::string(kProfileUrl) + "?seconds=1");
    }));
  }
  ASSERT_TRUE(source_.wait_in_flight(kMaxConcurrentProfiles));
  // Every window is held until release(): this answer cannot come from a
  // completed window, only from the bound.
  auto refused = get(std::string(kProfileUrl) + "?seconds=1");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(expect_one_line(refused).find("8 profiles are being collected already"),
            std::string::npos)
      << refused->body;
  // Other endpoints still answer while the profile slots are taken.
  EXPECT_EQ(get("/metrics")->status, 200);
  {
    std::lock_guard lock(hook_mu_);
    EXPECT_EQ(refusals_, std::vector<std::string>{"long_request_limit"});
  }

  source_.release();
  for (auto& f : held) {
    auto r = f.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // Slots are free again.
  EXPECT_EQ(get(std::string(kProfileUrl) + "?seconds=1")->status, 200);
  EXPECT_EQ(source_.requests().size(), kMaxConcurrentProfiles + 1);
}

TEST_F(HttpServer, BlockProfileIsAWindowOfTheBlockKind) {
  auto r = get("/debug/pprof/block?seconds=1&pid=42");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].kind, "block");
  EXPECT_EQ(reqs[0].pids, (std::vector<std::uint32_t>{42}));
  // /debug/pprof/profile leaves the kind to the source (the CPU kind).
  ASSERT_TRUE(get(std::string(kProfileUrl) + "?seconds=1"));
  EXPECT_EQ(source_.requests().at(1).kind, "");
}

TEST_F(HttpServer, ThreadcreateAndMutexProfilesAreWindowsOfTheirKinds) {
  ASSERT_TRUE(get("/debug/pprof/threadcreate?seconds=1"));
  ASSERT_TRUE(get("/debug/pprof/mutex?seconds=2&pid=7"));
  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].kind, "threadcreate");
  EXPECT_EQ(reqs[1].kind, "mutex");
  EXPECT_EQ(reqs[1].duration, std::chrono::seconds(2));
  EXPECT_EQ(reqs[1].pids, (std::vector<std::uint32_t>{7}));
}

// A snapshot: the request names the kind; debug=1 is Go's text form of it.
TEST_F(HttpServer, GoroutineIsASnapshotOfItsKindAndDebug1IsText) {
  auto pb = get("/debug/pprof/goroutine?seconds=1&pid=7");
  ASSERT_TRUE(pb);
  EXPECT_EQ(pb->status, 200);
  auto text = get("/debug/pprof/goroutine?seconds=1&debug=1");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 200) << text->body;
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(text->body.rfind("goroutine profile: total ", 0), 0u) << text->body;
  auto bad = get("/debug/pprof/goroutine?debug=3");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].kind, "goroutine");
  EXPECT_EQ(reqs[0].pids, (std::vector<std::uint32_t>{7}));
  EXPECT_EQ(reqs[1].kind, "goroutine");
}

// As Go's index: every profile at its path, and here whether it runs.
TEST_F(HttpServer, PprofIndexListsTheKindsAndWhyOneIsOff) {
  source_.set_unavailable("mutex", make_error(ExitCode::kUsage, "the mutex profile",
                                              "off in this daemon", "start it"));
  auto r = get("/debug/pprof/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  for (const char* name : {"block", "mutex", "profile", "threadcreate"})
    EXPECT_NE(r->body.find(std::string("<a href=\"") + name + "?seconds=30\">" + name + "</a>"),
              std::string::npos)
        << name << "\n" << r->body;
  EXPECT_NE(r->body.find("off: profbufd: the mutex profile: off in this daemon (start it)"),
            std::string::npos)
      << r->body;
  EXPECT_LT(r->body.find("block"), r->body.find("threadcreate"));
  // A snapshot, linked as Go links it.
  EXPECT_NE(r->body.find("<a href=\"goroutine?debug=1\">goroutine</a>"), std::string::npos)
      << r->body;
  EXPECT_TRUE(source_.requests().empty());
}

TEST_F(HttpServer, AKindThisKernelCannotTraceIs501WithAReason) {
  source_.set_unavailable("block", make_error(ExitCode::kBpfLoad, "attaching on_switch_in",
                                              "No such process"));
  auto r = get("/debug/pprof/block?seconds=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 501);
  EXPECT_EQ(expect_one_line(r), "profbufd: attaching on_switch_in: No such process\n");
  EXPECT_TRUE(source_.requests().empty());
}

// Right after start a kind's BPF programs may still load: the request waits
// for them (await_available) and answers 503 with Retry-After only if they
// are still loading then.
TEST_F(HttpServer, AKindStillLoadingIs503WithRetryAfter) {
  source_.set_unavailable("mutex", make_error(ExitCode::kRuntime, "the mutex profile",
                                              "its BPF programs are still loading",
                                              "retry in a few seconds"));
  auto r = get("/debug/pprof/mutex?seconds=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->get_header_value("Retry-After"), "5");
  EXPECT_EQ(expect_one_line(r),
            "profbufd: the mutex profile: its BPF programs are still loading (retry in a few "
            "seconds)\n");
  EXPECT_EQ(source_.awaited(), (std::vector<std::string>{"mutex"}));
  EXPECT_TRUE(source_.requests().empty());
}

TEST_F(HttpServer, AKindThatLoadsWhileTheRequestWaitsIsServed) {
  source_.set_unavailable("mutex", make_error(ExitCode::kRuntime, "the mutex profile",
                                              "its BPF programs are still loading"));
  source_.set_await([this](std::string_view) { source_.set_unavailable("", Error{}); });
  auto r = get("/debug/pprof/mutex?seconds=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  ASSERT_EQ(source_.requests().size(), 1u);
  EXPECT_EQ(source_.requests()[0].kind, "mutex");
}

TEST_F(HttpServer, FailedCollectionIs503) {
  source_.set_fail(true);
  auto r = get(std::string(kProfileUrl) + "?seconds=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(expect_one_line(r), "profbufd: collecting a window: sampling stopped\n");
}

TEST_F(HttpServer, StopReturnsPromptlyWithAProfileInFlight) {
  source_.hold();  // the window would never end on its own
  auto pending = std::async(std::launch::async, [this] { return get(kProfileUrl); });
  ASSERT_TRUE(source_.wait_in_flight(1));

  auto stopped = std::async(std::launch::async, [this] { server_->stop(); });
  const bool prompt = stopped.wait_for(10s) == std::future_status::ready;
  if (!prompt) source_.stop_sampling();  // unblock everything before failing
  ASSERT_TRUE(prompt) << "stop() waited for a held profile window";

  auto r = pending.get();
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(expect_one_line(r), "profbufd: profile: profbufd is shutting down "
                                "(retry once it runs again)\n");
  // Nothing listens any more.
  EXPECT_FALSE(get("/healthz"));
  server_->stop();  // idempotent
}

TEST_F(HttpServer, HookCountsEveryResponseByEndpointAndCode) {
  ASSERT_TRUE(get("/"));
  ASSERT_TRUE(get("/metrics"));
  ASSERT_TRUE(get("/nope"));
  ASSERT_TRUE(client().Post("/metrics", "", "text/plain"));
  ASSERT_TRUE(get(std::string(kProfileUrl) + "?seconds=abc"));
  ASSERT_TRUE(get(std::string(kProfileUrl) + "?seconds=1"));
  source_.set_healthy(false);
  ASSERT_TRUE(get("/healthz"));
  ASSERT_TRUE(get("/" + std::string(9000, 'a')));  // rejected by the library itself

  std::vector<std::pair<std::string, int>> want = {
      {"/", 200},          {"/metrics", 200},
      {"other", 404},      {"/metrics", 405},
      {kProfileUrl, 400},  {kProfileUrl, 200},
      {"/healthz", 503},   {"other", 414},
  };
  // The hook runs after the response is sent, so a request's hook may come
  // after the next request's: the counts are the contract, not their order.
  auto got = hook_calls(want.size());
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST_F(HttpServer, StartTwiceFails) {
  auto st = server_->start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ExitCode::kRuntime);
}

TEST_F(HttpServer, PortInUseIsAClearError) {
  FakeProfileSource other_source(sample_profile());
  Server other(ListenAddress{"127.0.0.1", port_}, other_source, [] { return std::string(); },
               nullptr);
  auto st = other.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ExitCode::kRuntime);
  EXPECT_EQ(st.error().line(),
            "profbufd: http: listening on 127.0.0.1:" + std::to_string(port_) +
                ": address already in use (another program listens there; choose another "
                "port with --http-listen)");
  EXPECT_EQ(other.port(), 0);
}

TEST(HttpServerBind, AddressOfAnotherHostIsAClearError) {
  FakeProfileSource source(sample_profile());
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this machine.
  Server s(ListenAddress{"192.0.2.1", 0}, source, [] { return std::string(); }, nullptr);
  auto st = s.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().line(),
            "profbufd: http: listening on 192.0.2.1:0: not an address of this host "
            "(use an address of a local interface with --http-listen)");
}

TEST(HttpServerBind, StopWithoutStartAndDestroyAfterStop) {
  FakeProfileSource source(sample_profile());
  Server s(ListenAddress{"127.0.0.1", 0}, source, [] { return std::string(); }, nullptr);
  s.stop();
  EXPECT_FALSE(s.start().ok()) << "a stopped server does not start again";
}

TEST(HttpServerBind, ServesOnIpv6Loopback) {
  FakeProfileSource source(sample_profile());
  Server s(ListenAddress{"::1", 0}, source, [] { return std::string("x 1\n"); }, nullptr);
  auto st = s.start();
  if (!st.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << st.error().line();
  httplib::Client c("::1", s.port());
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "x 1\n");
}

// The real consumer: go tool pprof fetching the profile over HTTP, as it does
// from a Go program's net/http/pprof.
TEST_F(HttpServer, GoToolPprofReadsTheProfile) {
  if (!testing::find_in_path("go")) {
    if (testing::running_under_ci()) FAIL() << "go is not installed but CI=true (make deps)";
    GTEST_SKIP() << "go is not installed (apt-get install golang-go)";
  }
  char tmpl[] = "/tmp/profbufd-http-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string url =
      "http://127.0.0.1:" + std::to_string(port_) + kProfileUrl + "?seconds=1";
  // pprof saves every fetched profile under $PPROF_TMPDIR (default
  // $HOME/pprof); keep that in the scratch directory.
  const testing::CommandResult r =
      testing::run_command({"env", "HOME=" + dir, "PPROF_TMPDIR=" + dir, "GOCACHE=" + dir + "/gocache",
                            "go", "tool", "pprof", "-top", "-sample_index=samples", url});
  std::filesystem::remove_all(dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Fetching profile over HTTP from " + url), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Type: samples"), std::string::npos) << r.out;
  // Functions of sample_profile(), the lost-samples frame included.
  for (const char* fn : {"main", "compute", "do_syscall_64", "[lost: ringbuf_full]"}) {
    EXPECT_NE(r.out.find(fn), std::string::npos) << fn << "\n" << r.out;
  }
  const auto reqs = source_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].duration, 1s);
}

}  // namespace
}  // namespace profbufd::http
