// The page and its JSON endpoints, served by the real server on loopback over
// a fake store, read with a real HTTP client.
#include "http/page_endpoints.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "../encode/gunzip.h"
#include "../encode/test_profile.h"
#include "fake_profile_source.h"
#include "http/cpp_httplib.h"
#include "http/server.h"
#include "model/labeler.h"

namespace profbufd::http {
namespace {

using nlohmann::json;
using testing::sample_profile;

class FakeStore final : public ProfileStore {
 public:
  std::vector<KindInfo> kinds() const override {
    return {KindInfo{"cpu", {{"samples", "count"}, {"cpu", "nanoseconds"}}, "cpu"},
            KindInfo{"block", {{"contentions", "count"}, {"delay", "nanoseconds"}}, "delay"}};
  }
  std::vector<Stored> recent() const override {
    std::lock_guard lock(mu_);
    return stored_;
  }
  Stored find(std::uint64_t id) const override {
    std::lock_guard lock(mu_);
    for (const Stored& s : stored_)
      if (s.id == id) return s;
    return {};
  }
  Stored latest(std::string_view kind) const override {
    std::lock_guard lock(mu_);
    for (auto it = stored_.rbegin(); it != stored_.rend(); ++it)
      if (it->profile->metadata.kind == kind) return *it;
    return {};
  }
  std::uint64_t keep(std::shared_ptr<const Profile> p) override {
    std::lock_guard lock(mu_);
    stored_.push_back(Stored{next_, std::move(p)});
    return next_++;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Stored> stored_;
  std::uint64_t next_ = 1;
};

Profile hostile_profile() {
  Profile p = sample_profile();
  p.samples[2].comm = "<img src=x onerror=alert(1)>";
  return p;
}

class PageServer : public ::testing::Test {
 protected:
  explicit PageServer(bool loopback_only = false) : loopback_only_(loopback_only) {}
  void SetUp() override {
    server_ = std::make_unique<Server>(
        ListenAddress{"127.0.0.1", 0}, source_, [] { return std::string(); }, nullptr,
        ServerOptions{.store = &store_, .loopback_host_only = loopback_only_});
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override {
    source_.stop_sampling();
    server_.reset();
  }
  httplib::Result get(const std::string& path, httplib::Headers h = {}) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    return c.Get(path, h);
  }
  json get_json(const std::string& path, int want = 200) {
    auto r = get(path);
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, want) << path << ": " << r->body;
    if (r->status != 200) return {};
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
    return json::parse(r->body);
  }

  bool loopback_only_;
  FakeStore store_;
  testing::FakeProfileSource source_{hostile_profile()};
  std::unique_ptr<Server> server_;
};

TEST_F(PageServer, ThePageRunsOnlyItsOwnScriptsUnderAStrictPolicy) {
  auto r = get("/");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string csp = r->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY");
  // Every script is a file of this server; none is inline.
  std::size_t scripts = 0;
  for (std::size_t at = r->body.find("<script"); at != std::string::npos;
       at = r->body.find("<script", at + 1)) {
    ++scripts;
    EXPECT_EQ(r->body.compare(at, 13, "<script src=\""), 0) << r->body.substr(at, 40);
    EXPECT_EQ(r->body.compare(at + 13, 4, "/ui/"), 0);
  }
  EXPECT_EQ(scripts, 3u);
  EXPECT_EQ(r->body.find("style=\""), std::string::npos) << "inline styles break the policy";
  for (const char* handler : {"onload=", "onclick=", "onerror=", "javascript:"})
    EXPECT_EQ(r->body.find(handler), std::string::npos) << handler;
}

TEST_F(PageServer, AssetsAndTheVendoredComponentAreEmbedded) {
  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"/ui/app.js", "text/javascript; charset=utf-8"},
           {"/ui/app.css", "text/css; charset=utf-8"},
           {"/ui/vendor/d3-flame-graph/d3-flamegraph.min.js", "text/javascript; charset=utf-8"},
           {"/ui/vendor/d3-flame-graph/d3-flamegraph.css", "text/css; charset=utf-8"},
           {"/ui/vendor/d3-flame-graph/LICENSE", "text/plain; charset=utf-8"},
           {"/ui/vendor/d3-selection/d3-selection.min.js", "text/javascript; charset=utf-8"}}) {
    auto r = get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), type) << path;
    EXPECT_GT(r->body.size(), 100u) << path;
  }
  EXPECT_NE(get("/ui/vendor/d3-flame-graph/LICENSE")->body.find("Apache License"),
            std::string::npos);
  EXPECT_EQ(get("/ui/missing.js")->status, 404);
  const json about = get_json("/api/about");
  ASSERT_EQ(about["components"].size(), 2u);
  EXPECT_EQ(about["components"][0]["name"], "d3-flame-graph");
  EXPECT_EQ(about["components"][0]["version"], "4.1.3");
  EXPECT_EQ(about["components"][0]["licence"], "Apache-2.0");
  EXPECT_EQ(about["components"][0]["integrity"].get<std::string>().rfind("sha512-", 0), 0u);
}

TEST_F(PageServer, KindsComeFromTheStore) {
  const json k = get_json("/api/kinds");
  ASSERT_EQ(k["kinds"].size(), 2u);
  EXPECT_EQ(k["kinds"][0]["name"], "cpu");
  EXPECT_EQ(k["kinds"][1]["default_sample_type"], "delay");
}

TEST_F(PageServer, AnEmptyStoreIsA404ThatSaysWhy) {
  auto r = get("/api/flamegraph");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("no closed cpu window yet"), std::string::npos) << r->body;
  EXPECT_EQ(get_json("/api/profiles")["profiles"].size(), 0u);
}

TEST_F(PageServer, FlameGraphOfTheLatestOrOfAnIdFilteredByLabels) {
  store_.keep(std::make_shared<const Profile>(sample_profile()));
  store_.keep(std::make_shared<const Profile>(hostile_profile()));
  const json profiles = get_json("/api/profiles?kind=cpu");
  ASSERT_EQ(profiles["profiles"].size(), 2u);
  EXPECT_EQ(profiles["profiles"][0]["id"], 2) << "newest first";
  EXPECT_EQ(profiles["profiles"][0]["totals"][0], 19);

  const json latest = get_json("/api/flamegraph");
  EXPECT_EQ(latest["id"], 2);
  EXPECT_EQ(latest["sample_type"], 1) << "the profile's default type";
  bool hostile = false;
  for (const json& c : latest["root"]["children"]) hostile |= c["name"] == "<img src=x onerror=alert(1)>";
  EXPECT_TRUE(hostile) << "names are data, delivered as they are";

  const json one = get_json("/api/flamegraph?id=1&type=samples&label.pid=100&label.pid=300&top=2");
  EXPECT_EQ(one["id"], 1);
  EXPECT_EQ(one["total"], 5 + 7 + 1 + 1 + 3);
  EXPECT_EQ(one["top"].size(), 2u);
  EXPECT_EQ(one["labels"]["pid"].size(), 3u) << "values of the whole window";

  get_json("/api/flamegraph?id=99", 404);
  get_json("/api/flamegraph?kind=block", 404);
  get_json("/api/flamegraph?type=bogus", 400);
  for (const char* bad : {"/api/flamegraph?id=abc", "/api/flamegraph?top=0",
                          "/api/flamegraph?label.bad%20key=1", "/api/flamegraph?kind=a;b",
                          "/api/flamegraph?id=1&id=2", "/api/profile?format=svg"}) {
    auto r = get(bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << ": " << r->body;
    EXPECT_EQ(r->body.rfind("profbufd: ", 0), 0u);
  }
}

// Labeled as model/labeler.h labels a window (issue 13): pid 100 in a unit,
// pid 200 in a podman container (pid 1 in its namespace).
Profile labeled_profile() {
  Profile p = sample_profile();
  const std::string id(64, 'c');
  const auto str = [](std::string_view k, std::string v) {
    return Label{std::string(k), std::move(v), 0, false};
  };
  for (Sample& s : p.samples) {
    if (s.pid == 100) {
      s.labels.push_back(str(kLabelCgroup, "/system.slice/nginx.service"));
      s.labels.push_back(str(kLabelSystemdUnit, "nginx.service"));
      s.labels.push_back(str(kLabelServiceName, "nginx.service"));
    } else if (s.pid == 200) {
      s.labels.push_back(str(kLabelCgroup, "/machine.slice/libpod-" + id + ".scope/container"));
      s.labels.push_back(str(kLabelContainerId, id));
      s.labels.push_back(str(kLabelSystemdUnit, "libpod-" + id + ".scope"));
      s.labels.push_back(str(kLabelServiceName, id));
      s.labels.push_back(Label{std::string(kLabelNsPid), {}, 1, true});
    }
  }
  return p;
}

TEST_F(PageServer, FiltersByContainerAndUnitLabels) {
  store_.keep(std::make_shared<const Profile>(labeled_profile()));
  const std::string id(64, 'c');
  const json all = get_json("/api/flamegraph?type=samples");
  for (const char* key : {"cgroup", "container_id", "systemd_unit", "service_name", "nspid"})
    EXPECT_TRUE(all["labels"].contains(key)) << key << " offered as a filter: " << all["labels"];
  ASSERT_EQ(all["labels"]["container_id"].size(), 1u);
  EXPECT_EQ(all["labels"]["container_id"][0]["value"], id);
  // The container's samples (2) and the lost ones (3), which every view keeps.
  for (const std::string& q :
       {"label.container_id=" + id, "label.service_name=" + id, std::string("label.nspid=1"),
        "label.cgroup=/machine.slice/libpod-" + id + ".scope/container"})
    EXPECT_EQ(get_json("/api/flamegraph?type=samples&" + q)["total"], 2 + 3) << q;
  // The unit's: pid 100 (5 + 7 + 1) and the lost ones.
  EXPECT_EQ(get_json("/api/flamegraph?type=samples&label.systemd_unit=nginx.service")["total"],
            5 + 7 + 1 + 3);
  // Keys narrow: nginx.service has no container.
  EXPECT_EQ(get_json("/api/flamegraph?type=samples&label.systemd_unit=nginx.service"
                     "&label.container_id=" + id)["total"],
            3);
  // Values of one key are alternatives.
  EXPECT_EQ(get_json("/api/flamegraph?type=samples&label.service_name=nginx.service"
                     "&label.service_name=" + id)["total"],
            5 + 7 + 1 + 2 + 3);
  // A cgroup path may be longer than a comm by far; a value past PATH_MAX is not one.
  EXPECT_EQ(get_json("/api/flamegraph?type=samples&label.cgroup=/" + std::string(300, 'x'))["total"],
            3);
  get_json("/api/flamegraph?label.cgroup=/" + std::string(5000, 'x'), 400);
  auto r = get("/api/profile?format=folded&label.container_id=" + id);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "[lost];[lost: ringbuf_full] 3\napp;main;compute 2\n");
}

TEST_F(PageServer, DownloadIsTheSameWindowFilteredAlike) {
  store_.keep(std::make_shared<const Profile>(sample_profile()));
  auto r = get("/api/profile?id=1&format=folded&label.pid=200");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "[lost];[lost: ringbuf_full] 3\napp;main;compute 2\n");
  EXPECT_EQ(r->get_header_value("Content-Disposition"),
            "attachment; filename=\"profbufd-20261121T195300.123Z.folded\"");
  auto pprof = get("/api/profile");
  ASSERT_TRUE(pprof);
  EXPECT_EQ(pprof->status, 200);
  EXPECT_EQ(pprof->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_FALSE(testing::gunzip(pprof->body).empty());
}

TEST_F(PageServer, CollectKeepsTheFreshWindowAndAnswersItsId) {
  const json c = get_json("/api/collect?seconds=1");
  EXPECT_EQ(c["id"], 1);
  ASSERT_EQ(source_.requests().size(), 1u);
  EXPECT_EQ(source_.requests()[0].duration, std::chrono::seconds(1));
  EXPECT_EQ(source_.requests()[0].kind, "cpu");
  EXPECT_EQ(get_json("/api/flamegraph?id=1")["id"], 1);
  get_json("/api/collect?seconds=0", 400);
  get_json("/api/collect?kind=mutex", 400);
}

// /api/collect is admitted as /debug/pprof/* are: a kind still loading is
// waited for, then answers 503; one that could not load answers 501.
TEST_F(PageServer, CollectOfAKindNotReadyIsRefusedAsThePprofEndpointsAre) {
  source_.set_unavailable("block", make_error(ExitCode::kRuntime, "the block profile",
                                              "its BPF programs are still loading"));
  auto loading = get("/api/collect?kind=block&seconds=1");
  ASSERT_TRUE(loading);
  EXPECT_EQ(loading->status, 503) << loading->body;
  EXPECT_EQ(loading->get_header_value("Retry-After"), "5");
  source_.set_unavailable("block", make_error(ExitCode::kBpfLoad, "attaching on_switch_in",
                                              "No such process"));
  auto failed = get("/api/collect?kind=block&seconds=1");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 501) << failed->body;
  EXPECT_EQ(failed->body, "profbufd: attaching on_switch_in: No such process\n");
  EXPECT_EQ(source_.awaited(), (std::vector<std::string>{"block", "block"}));
  EXPECT_TRUE(source_.requests().empty()) << "no window was opened";
}

// Fetch Metadata: another site's page cannot make a browser start windows
// here (or read anything); navigating to the page from a link still works.
TEST_F(PageServer, CrossSiteSubresourceRequestsAreRefused) {
  auto refused = get("/api/collect?seconds=1",
                     {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "no-cors"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_TRUE(source_.requests().empty()) << "no window was opened";
  auto other_port = get("/api/kinds", {{"Sec-Fetch-Site", "same-site"}, {"Sec-Fetch-Mode", "cors"}});
  ASSERT_TRUE(other_port);
  EXPECT_EQ(other_port->status, 403) << "another port of localhost is another origin";
  auto link = get("/", {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "navigate"}});
  ASSERT_TRUE(link);
  EXPECT_EQ(link->status, 200);
  auto own = get("/api/kinds", {{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Mode", "cors"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
}

TEST_F(PageServer, OtherMethodsAre405AndTheListMovedToEndpoints) {
  httplib::Client c("127.0.0.1", server_->port());
  auto r = c.Post("/api/kinds", "x", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  auto list = get("/endpoints");
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("/debug/pprof/profile"), std::string::npos);
}

class LoopbackPageServer : public PageServer {
 protected:
  LoopbackPageServer() : PageServer(true) {}
};

// DNS rebinding: a page elsewhere that makes the browser send requests here
// sends its own host name.
TEST_F(LoopbackPageServer, RefusesHostHeadersThatAreNotLoopback) {
  const std::string port = std::to_string(server_->port());
  for (const std::string& host : std::vector<std::string>{"evil.example:" + port, "evil.example", "10.0.0.1:" + port}) {
    auto r = get("/api/kinds", {{"Host", host}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << host;
  }
  for (const std::string& host : std::vector<std::string>{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port,
                                 "LOCALHOST", "app.localhost:" + port, "127.1.2.3"}) {
    auto r = get("/api/kinds", {{"Host", host}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << host;
  }
}

TEST(AcceptedHost, LoopbackNamesAndTheListenHost) {
  EXPECT_TRUE(accepted_host("127.0.0.1:6060", "127.0.0.1"));
  EXPECT_TRUE(accepted_host("[::1]:6060", "::1"));
  EXPECT_TRUE(accepted_host("myhost:6060", "myhost"));
  EXPECT_TRUE(accepted_host("MyHost", "myhost"));
  EXPECT_FALSE(accepted_host("myhost.evil:6060", "myhost"));
  EXPECT_FALSE(accepted_host("", "127.0.0.1"));
  EXPECT_FALSE(accepted_host("localhost.evil.example", "127.0.0.1"));
  EXPECT_FALSE(accepted_host("[::2]:1", "127.0.0.1"));
}

}  // namespace
}  // namespace profbufd::http
