// End-to-end: the flame graph page of the real daemon, in a real browser
// (headless Chromium over WebDriver), while the test's workloads run: one with
// known function names, one whose program name is markup.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "gate.h"
#include "http/cpp_httplib.h"
#include "subprocess.h"
#include "tools.h"
#include "webdriver.h"

namespace profbufd::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A program file name a browser would run as script if the page ever put
// names into the DOM as markup. Its comm is the first 15 bytes.
const std::string kHostile = "<img src=x onerror=document.title='pwned'>";
const std::string kHostileComm = kHostile.substr(0, 15);

class PageE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFBUFD_REQUIRE_BPF_OR_SKIP();
    if (const std::string why = missing_browser(); !why.empty()) {
      if (bpf_required()) FAIL() << "browser missing under CI: " << why;
      GTEST_SKIP() << why;
    }
  }
};

// JS: the names of the frames the flame graph drew.
constexpr const char* kFrameNames =
    "return Array.from(document.querySelectorAll('#chart g.frame')).map(g => g.getAttribute('name'));";

// JS expression: whether the graph has a frame named `name`.
std::string frame_drawn(const std::string& name) {
  return "Array.from(document.querySelectorAll('#chart g.frame'))"
         ".some(g => g.getAttribute('name') === " + nlohmann::json(name).dump() + ")";
}

// The filter form, used as a user does: the comm field takes the workload's
// name and Filter redraws the window without the other process (the filter
// goes into the URL); Clear brings it back.
void filter_by_comm(Browser& b) {
  ASSERT_TRUE(b.wait_for("return document.querySelector('#filters input[name=comm]') !== null;"));
  b.type("#filters input[name=comm]", "spin_chain");
  b.click("#filters button[type=submit]");
  EXPECT_TRUE(b.wait_for("return " + frame_drawn("spin_c") + " && !" + frame_drawn(kHostileComm) +
                         " && new URLSearchParams(location.search).get('label.comm') === 'spin_chain';"))
      << b.run(kFrameNames).dump().substr(0, 2000);
  b.click("#filters button[type=button]");
  EXPECT_TRUE(b.wait_for("return " + frame_drawn(kHostileComm) + ";"));
}

// Collect: a fresh window of 2 s, taken on demand, is shown (its id in the
// URL and chosen in the window list) and holds the workload.
void collect_two_seconds(Browser& b) {
  const std::string before = b.run("return document.getElementById('window').value;");
  b.run("const s = document.getElementById('seconds'); s.value = '2'; return true;");
  b.click("#collect");
  EXPECT_TRUE(b.wait_for(
      "const id = new URLSearchParams(location.search).get('id');"
      "return id !== null && document.getElementById('window').value === id && "
      "!document.getElementById('collect').disabled && " + frame_drawn("spin_c") + ";"))
      << b.run("return document.getElementById('status').textContent;");
  EXPECT_NE(b.run("return document.getElementById('window').value;"), before);
  EXPECT_EQ(b.run("return document.getElementById('status').textContent;"), "");
}

TEST_F(PageE2E, FlameGraphOfTheWorkloadSearchZoomFilterCollectAndHostileNamesStayText) {
  TempDir dir;
  const fs::path hostile = dir.path / kHostile;
  fs::copy_file(build_dir() + "/tests/programs/spin_chain", hostile);
  Subprocess spin({build_dir() + "/tests/programs/spin_chain", "--threads", "1", "--seconds", "120"});
  Subprocess evil({hostile.string(), "--threads", "1", "--seconds", "120"});
  ASSERT_EQ(spin.read_line().rfind("pid ", 0), 0u);
  ASSERT_EQ(evil.read_line().rfind("pid ", 0), 0u);

  // An HTTP-only daemon: no files, a window into the store every 10 s.
  const int port = free_port();
  Subprocess d({build_dir() + "/profbufd", "--frequency", "99", "--http-listen",
                "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(d.wait_for_stderr("sampling", 20s)) << d.err();
  httplib::Client c("127.0.0.1", port);
  bool closed = false;
  for (int i = 0; i < 120 && !closed; ++i) {
    std::this_thread::sleep_for(250ms);
    auto r = c.Get("/api/profiles");
    closed = r && r->status == 200 && !nlohmann::json::parse(r->body)["profiles"].empty();
  }
  ASSERT_TRUE(closed) << "no window reached the store: " << d.err();

  Browser b(free_port(), (dir.path / "chromium").string());
  ASSERT_TRUE(b.ok());
  b.open("http://127.0.0.1:" + std::to_string(port) + "/");
  // The page loads the newest window at once: the workload's functions are
  // frames of the graph (names in the DOM, not pixels).
  ASSERT_TRUE(b.wait_for(std::string(kFrameNames).replace(0, 7, "const n = ") +
                         " return n.includes('spin_a') && n.includes('spin_b') && n.includes('spin_c');"))
      << b.run(kFrameNames).dump().substr(0, 2000);
  EXPECT_TRUE(b.wait_for("return document.querySelector('#top tbody tr') !== null;"));
  EXPECT_EQ(b.run("return document.getElementById('status').textContent;"), "");

  // The hostile name is a frame name, as text; no element was made of it and
  // no handler ran.
  const auto names = b.run(kFrameNames);
  EXPECT_NE(std::find(names.begin(), names.end(), kHostileComm), names.end()) << names.dump();
  EXPECT_EQ(b.run("return document.querySelectorAll('img').length;"), 0);
  EXPECT_EQ(b.run("return document.title;"), "profbufd");
  EXPECT_TRUE(b.wait_for("return Array.from(document.querySelectorAll('#top td'))"
                         ".some(td => td.textContent === " + nlohmann::json(kHostile).dump() + ");"))
      << "the full file name shows as the module of its functions";

  // Search, typed as a user types: matching frames take the highlight colour
  // and the search line counts them.
  b.type("#search", "spin_b");
  EXPECT_TRUE(b.wait_for(
      "const g = Array.from(document.querySelectorAll('#chart g.frame'))"
      ".filter(g => g.getAttribute('name') === 'spin_b');"
      "return g.length > 0 && g.every(x => x.querySelector('rect').getAttribute('fill') === '#e600e6');"));
  EXPECT_TRUE(b.wait_for("return document.getElementById('details').textContent.startsWith('search \"spin_b\"');"));
  EXPECT_EQ(b.run("return new URLSearchParams(location.search).get('search');"), "spin_b");

  // Click-to-zoom: the workload's process frame fills the width.
  b.run("const g = Array.from(document.querySelectorAll('#chart g.frame'))"
        ".find(g => g.getAttribute('name') === 'spin_chain');"
        "g.dispatchEvent(new MouseEvent('click', {bubbles: true})); return true;");
  EXPECT_TRUE(b.wait_for(
      "const g = Array.from(document.querySelectorAll('#chart g.frame'))"
      ".find(g => g.getAttribute('name') === 'spin_chain');"
      "const w = Number(g.querySelector('rect').getAttribute('width'));"
      "return w > 0.95 * document.querySelector('#chart svg').getAttribute('width');"));
  b.run("document.getElementById('reset-zoom').click(); return true;");

  // The download link is the same window.
  const std::string href = b.run("return document.getElementById('dl-pprof').getAttribute('href');");
  EXPECT_EQ(href.rfind("/api/profile?", 0), 0u) << href;
  EXPECT_NE(href.find("format=pprof"), std::string::npos);
  auto pprof = c.Get(href);
  ASSERT_TRUE(pprof);
  EXPECT_EQ(pprof->status, 200);
  const fs::path file = dir.path / "window.pb.gz";
  std::ofstream(file, std::ios::binary) << pprof->body;
  const auto top = go_pprof({"-top", file.string()});
  EXPECT_EQ(top.status, 0) << top.err;
  EXPECT_NE(top.out.find("spin_c"), std::string::npos) << top.out;

  // Nothing the policy blocked (a CSP violation is a console error).
  EXPECT_EQ(b.console().find("Content Security Policy"), std::string::npos) << b.console();

  b.screenshot(build_dir() + "/page-screenshot.png");
  EXPECT_GT(fs::file_size(build_dir() + "/page-screenshot.png"), 10'000u);

  filter_by_comm(b);
  collect_two_seconds(b);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait(20s), 0) << d.err();
}

}  // namespace
}  // namespace profbufd::e2e
