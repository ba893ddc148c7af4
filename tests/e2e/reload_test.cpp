// End-to-end: SIGHUP re-reads --config while the daemon runs. The pid filter
// of a running daemon changes and the next window shows it; a bad file is one
// log line and changes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gate.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string profbufd_bin() { return build_dir() + "/profbufd"; }

void write_config(const std::filesystem::path& p, const std::string& text) {
  // Written whole then renamed: the daemon never reads half a file.
  const auto tmp = p.string() + ".tmp";
  std::ofstream(tmp) << text;
  std::filesystem::rename(tmp, p);
}

// Waits until `dir` holds more than `n` JSON windows; returns them all.
std::vector<json> windows_after(const std::filesystem::path& dir, std::size_t n,
                                std::chrono::seconds timeout = 20s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::vector<std::filesystem::path> files;
  while ((files = files_with(dir, ".json")).size() <= n &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  std::vector<json> out;
  for (const auto& f : files) out.push_back(json::parse(slurp(f)));
  return out;
}

bool noted(const json& doc) { return doc["metadata"]["details"].contains("settings_changes"); }

// Waits for the window that says the settings changed, then for the one after
// it (wholly under the new settings); returns all windows and the index of
// the noted one, or -1 if none came.
std::pair<std::vector<json>, int> windows_around_change(const std::filesystem::path& dir) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  std::vector<json> w;
  for (std::size_t n = 0; std::chrono::steady_clock::now() < until; n = w.size()) {
    w = windows_after(dir, n);
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (!noted(w[i])) continue;
      if (i + 1 < w.size()) return {w, static_cast<int>(i)};
      return {windows_after(dir, i + 1), static_cast<int>(i)};
    }
  }
  return {w, -1};
}

std::set<std::uint32_t> pids_in(const json& doc) {
  std::set<std::uint32_t> pids;
  for (const auto& s : doc["stacks"]) pids.insert(s["labels"]["pid"].get<std::uint32_t>());
  return pids;
}

TEST(ReloadE2E, SighupChangesThePidFilterAndABadFileChangesNothing) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  SpinChain a({"--threads", "1", "--seconds", "60"}), b({"--threads", "1", "--seconds", "60"});
  TempDir dir;
  const auto out = dir.path / "out";
  std::filesystem::create_directory(out);
  const auto config = dir.path / "profbufd.conf";
  write_config(config, "pid = " + std::to_string(b.pid()) + "\n");
  Subprocess d({profbufd_bin(), "--interval", "1s", "--output", out.string(), "--format", "json",
                "--config", config.string()});
  ASSERT_TRUE(d.wait_for_stderr("sampling", 20s)) << d.err();

  // Before: only b, from the file.
  std::vector<json> w = windows_after(out, 0);
  ASSERT_FALSE(w.empty()) << d.err();
  EXPECT_EQ(pids_in(w.back()), std::set<std::uint32_t>{b.pid()});

  write_config(config, "# now the other one\npid = " + std::to_string(a.pid()) + "\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_stderr("SIGHUP: pids " + std::to_string(b.pid()) + " -> " +
                                    std::to_string(a.pid()),
                                20s))
      << d.err();
  // The window the change fell in says so; the next one is all a's.
  auto [around, changed] = windows_around_change(out);
  ASSERT_GE(changed, 0) << "no window noted the change; " << d.err();
  ASSERT_LT(changed + 1, static_cast<int>(around.size()));
  const auto& comments = around[changed]["metadata"]["comments"];
  EXPECT_NE(comments.dump().find("pids " + std::to_string(b.pid()) + " -> " +
                                 std::to_string(a.pid())),
            std::string::npos)
      << comments.dump();
  EXPECT_EQ(pids_in(around[changed + 1]), std::set<std::uint32_t>{a.pid()})
      << around[changed + 1]["metadata"].dump();

  // A bad file: one line, old settings kept, a keeps being the only one.
  write_config(config, "pid = " + std::to_string(b.pid()) + "\npid = nonsense\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_stderr("old settings kept", 20s)) << d.err();
  EXPECT_NE(d.err().find("SIGHUP: " + config.string() + ":2: pid nonsense"), std::string::npos)
      << d.err();
  const std::size_t before = files_with(out, ".json").size();
  w = windows_after(out, before + 1);
  ASSERT_GT(w.size(), before + 1);
  for (std::size_t i = before; i < w.size(); ++i) {
    EXPECT_EQ(pids_in(w[i]), std::set<std::uint32_t>{a.pid()}) << i;
    EXPECT_FALSE(noted(w[i])) << i;
  }

  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(), 0) << d.err();
}

TEST(ReloadE2E, SighupChangesTheFrequency) {
  PROFBUFD_REQUIRE_BPF_OR_SKIP();
  SpinChain a({"--threads", "1", "--seconds", "60"});
  TempDir dir;
  const auto out = dir.path / "out";
  std::filesystem::create_directory(out);
  const auto config = dir.path / "profbufd.conf";
  write_config(config, "pid = " + std::to_string(a.pid()) + "\n");
  Subprocess d({profbufd_bin(), "--interval", "1s", "--frequency", "99", "--output",
                out.string(), "--format", "json", "--config", config.string()});
  ASSERT_TRUE(d.wait_for_stderr("sampling", 20s)) << d.err();
  write_config(config, "pid = " + std::to_string(a.pid()) + "\nfrequency = 49\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for_stderr("SIGHUP: frequency 99 -> 49 Hz", 20s)) << d.err();
  auto [w, changed] = windows_around_change(out);
  ASSERT_GE(changed, 0) << d.err();
  ASSERT_LT(changed + 1, static_cast<int>(w.size()));
  const json& md = w[changed + 1]["metadata"];
  EXPECT_EQ(md["details"]["frequency_hz"], 49);
  EXPECT_EQ(md["period"], 1'000'000'000 / 49);
  // Every tick of the window weighs the new period.
  const auto ticks = md["totals"][0].get<std::uint64_t>();
  EXPECT_EQ(md["totals"][1].get<std::uint64_t>(), ticks * (1'000'000'000 / 49));
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(), 0) << d.err();
}

}  // namespace
}  // namespace profbufd::e2e
