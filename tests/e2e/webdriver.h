// A real browser for end-to-end tests: headless Chromium driven over W3C
// WebDriver by chromedriver (Debian's chromium and chromium-driver), spoken
// with cpp-httplib and nlohmann::json. Test-only; failures are gtest failures.
//
// Chromium runs as root here, so without its sandbox; with an empty profile,
// no first-run, sync, component updates or background networking: it talks
// to nothing but the page under test.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "http/cpp_httplib.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {

inline constexpr const char* kChromium = "/usr/bin/chromium";
inline constexpr const char* kChromedriver = "/usr/bin/chromedriver";

// Empty when both are installed; otherwise what is missing.
inline std::string missing_browser() {
  if (access(kChromium, X_OK) != 0) return "chromium is not installed (sudo make deps)";
  if (access(kChromedriver, X_OK) != 0) return "chromium-driver is not installed (sudo make deps)";
  return {};
}

inline std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

class Browser {
 public:
  Browser(int port, const std::string& profile_dir)
      : port_(port),
        driver_({kChromedriver, "--port=" + std::to_string(port), "--allowed-ips=127.0.0.1"}) {
    for (int i = 0; i < 100 && !ready(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    nlohmann::json caps = {
        {"capabilities",
         {{"alwaysMatch",
           {{"browserName", "chrome"},
            {"goog:loggingPrefs", {{"browser", "ALL"}}},
            {"goog:chromeOptions",
             {{"binary", kChromium},
              {"args",
               {"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + profile_dir}}}}}}}}};
    const nlohmann::json r = call("POST", "/session", caps);
    session_ = r["value"].value("sessionId", "");
    EXPECT_FALSE(session_.empty()) << r.dump();
  }
  ~Browser() {
    if (!session_.empty()) call("DELETE", "/session/" + session_, nullptr);
  }

  bool ok() const { return !session_.empty(); }

  void open(const std::string& url) { command("POST", "/url", {{"url", url}}); }

  // Runs `script` (a function body; `return` gives the value) in the page.
  nlohmann::json run(const std::string& script) {
    return command("POST", "/execute/sync", {{"script", script}, {"args", nlohmann::json::array()}})
        ["value"];
  }

  // Polls `script` until it returns true, at most `tries` times 250 ms apart.
  bool wait_for(const std::string& script, int tries = 80) {
    for (int i = 0; i < tries; ++i) {
      if (run(script) == true) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  // Types into the element `css` as a user would (key events).
  void type(const std::string& css, const std::string& text) {
    const std::string id = element(css);
    command("POST", "/element/" + id + "/value", {{"text", text}});
  }

  // (An empty object: `{}` would be JSON null, which WebDriver refuses.)
  void click(const std::string& css) {
    command("POST", "/element/" + element(css) + "/click", nlohmann::json::object());
  }

  void screenshot(const std::string& path) {
    const std::string png = base64_decode(command("GET", "/screenshot", nullptr)["value"]);
    std::ofstream(path, std::ios::binary) << png;
  }

  // The console messages of the page (CSP violations show up here).
  std::string console() {
    return command("POST", "/se/log", {{"type", "browser"}})["value"].dump();
  }

 private:
  bool ready() {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(1, 0);
    auto r = c.Get("/status");
    return r && r->status == 200 && nlohmann::json::parse(r->body, nullptr, false)["value"]["ready"] == true;
  }
  std::string element(const std::string& css) {
    const auto r = command("POST", "/element", {{"using", "css selector"}, {"value", css}});
    const auto& v = r["value"];
    return v.is_object() && v.contains("element-6066-11e4-a52e-4f735466cecf")
               ? v["element-6066-11e4-a52e-4f735466cecf"].get<std::string>()
               : std::string();
  }
  nlohmann::json command(const std::string& method, const std::string& path,
                         const nlohmann::json& body) {
    return call(method, "/session/" + session_ + path, body);
  }
  nlohmann::json call(const std::string& method, const std::string& path,
                      const nlohmann::json& body) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    httplib::Result r = method == "GET"      ? c.Get(path)
                        : method == "DELETE" ? c.Delete(path)
                                             : c.Post(path, body.dump(), "application/json");
    if (!r) {
      ADD_FAILURE() << "webdriver " << method << " " << path << ": no answer";
      return {};
    }
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status != 200) ADD_FAILURE() << "webdriver " << method << " " << path << ": " << r->body;
    return j.is_discarded() ? nlohmann::json{} : j;
  }

  int port_;
  Subprocess driver_;
  std::string session_;
};

}  // namespace profbufd::e2e
