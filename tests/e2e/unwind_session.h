// The real profbufd binary run by the unwinder's tests: sampling given
// processes (--pid, filtered in the kernel) for --duration into one JSON
// profile, with its /metrics scraped over HTTP while it runs. (--duration, not
// SIGTERM: an HTTP daemon without --duration or --interval keeps no file
// window.)
#pragma once

#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "gate.h"
#include "http/cpp_httplib.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_profile.h"

namespace profbufd::e2e::unwind {

struct SessionOptions {
  std::vector<pid_t> pids;
  std::string unwind = "auto";  // --unwind
  unsigned hz = 499;
  std::chrono::seconds duration{5};
};

class ProfbufdSession {
 public:
  explicit ProfbufdSession(const SessionOptions& o)
      : port_(free_port()), proc_(argv(o, out_.path.string(), port_)) {
    ready_ = proc_.wait_for_stderr("sampling", std::chrono::seconds(30));
  }
  bool ready() const { return ready_; }
  const std::string& err() const { return proc_.err(); }

  // GET `path` (200 only); "" if it failed.
  std::string pull(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    auto r = c.Get(path);
    return r && r->status == 200 ? r->body : std::string();
  }
  std::string metrics() { return pull("/metrics"); }

  // Waits for profbufd to write the profile and exit; its exit status.
  int finish() { return proc_.wait(std::chrono::seconds(120)); }
  Profile profile() const { return read_profile(out_.path); }

 private:
  static std::vector<std::string> argv(const SessionOptions& o, const std::string& out, int port) {
    std::vector<std::string> a{build_dir() + "/profbufd",
                               "--unwind",
                               o.unwind,
                               "--frequency",
                               std::to_string(o.hz),
                               "--duration",
                               std::to_string(o.duration.count()) + "s",
                               "--format",
                               "json",
                               "--output",
                               out,
                               "--http-listen",
                               "127.0.0.1:" + std::to_string(port)};
    for (pid_t p : o.pids) {
      a.push_back("--pid");
      a.push_back(std::to_string(p));
    }
    return a;
  }

  TempDir out_;
  int port_;
  Subprocess proc_;
  bool ready_ = false;
};

}  // namespace profbufd::e2e::unwind
