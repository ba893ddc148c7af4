// What the end-to-end tests of the profile kinds (block, mutex, threadcreate,
// heap) share: a daemon serving HTTP on a free port, and sums over the stacks
// of a profile in JSON.
#pragma once

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "http/cpp_httplib.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {

// profbufd --http-listen 127.0.0.1:PORT EXTRA..., ready once it samples and
// the kinds it serves on request have loaded (app/late_kinds.h): a workload
// run after that is seen by every kind's probes.
struct Daemon {
  explicit Daemon(std::vector<std::string> extra) : port(free_port()), proc([&] {
    std::vector<std::string> argv{build_dir() + "/profbufd", "--http-listen",
                                  "127.0.0.1:" + std::to_string(port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }()) {
    ready = proc.wait_for_stderr("sampling", std::chrono::seconds(20)) &&
            proc.wait_for_stderr("profiles served on request loaded", std::chrono::seconds(60));
  }
  httplib::Result get(const std::string& path) const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    return c.Get(path);
  }
  int port;
  Subprocess proc;
  bool ready = false;
};

// GET `path` is refused with `status` and one line that says `says`.
inline void expect_refusal(const Daemon& d, const std::string& path, int status,
                           const std::string& says) {
  auto r = d.get(path);
  ASSERT_TRUE(r) << path;
  EXPECT_EQ(r->status, status) << path << ": " << r->body;
  EXPECT_NE(r->body.find(says), std::string::npos) << path << ": " << r->body;
  EXPECT_EQ(std::count(r->body.begin(), r->body.end(), '\n'), 1) << path << ": " << r->body;
}

// profbufd_kind_running{kind="KIND"}, or -1 when the series is missing.
inline double kind_running(const Daemon& d, const std::string& kind) {
  auto m = d.get("/metrics");
  if (!m || m->status != 200) return -1;
  return metric(m->body, "profbufd_kind_running{kind=\"" + kind + "\"}").value_or(-1);
}

// Polls kind_running() for up to `within` until it is `want`.
inline bool kind_running_becomes(const Daemon& d, const std::string& kind, double want,
                                 std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (kind_running(d, kind) == want) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// A kind left out of --profiles: its programs run only while a request
// (`path`, with its seconds=) holds them, and the request gets the profile,
// in JSON (returned; null on failure).
inline nlohmann::json expect_linked_on_demand(const Daemon& d, const std::string& kind,
                                              const std::string& path) {
  using namespace std::chrono_literals;
  EXPECT_EQ(kind_running(d, kind), 0) << kind << " runs before any request";
  auto answer = std::async(std::launch::async, [&] { return d.get(path + "&format=json"); });
  EXPECT_TRUE(kind_running_becomes(d, kind, 1, 1500ms)) << kind << " not linked for " << path;
  const httplib::Result r = answer.get();
  if (!r || r->status != 200) {
    ADD_FAILURE() << path << ": " << (r ? std::to_string(r->status) + " " + r->body : "no answer");
    return nullptr;
  }
  EXPECT_TRUE(kind_running_becomes(d, kind, 0, 2000ms)) << kind << " still linked after " << path;
  return nlohmann::json::parse(r->body);
}

inline bool has_frame(const nlohmann::json& stack, const std::string& function) {
  return std::any_of(stack["frames"].begin(), stack["frames"].end(),
                     [&](const auto& f) { return f["function"] == function; });
}

// Two values (by default the first two: e.g. contentions and delay) of the
// stacks through `function`.
inline std::pair<double, double> through(const nlohmann::json& doc, const std::string& function,
                                         std::size_t first = 0) {
  std::pair<double, double> out;
  for (const auto& s : doc["stacks"]) {
    if (!has_frame(s, function)) continue;
    out.first += s["values"][first].get<double>();
    out.second += s["values"][first + 1].get<double>();
  }
  return out;
}

}  // namespace profbufd::e2e
