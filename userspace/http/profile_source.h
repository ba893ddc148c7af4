// What the HTTP endpoints need from the running profiler. The application
// implements it over the pipeline's windows (app/window_profile_source.h);
// tests fake it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/hold.h"
#include "model/profile.h"

namespace profbufd {

class ProfileSource {
 public:
  virtual ~ProfileSource() = default;

  struct Request {
    std::chrono::seconds duration{30};
    std::vector<std::uint32_t> pids;  // empty: every process
    std::string kind;                 // a captured kind's name; empty: the CPU kind
    // Only stacks under these cgroups or of these containers (id prefixes);
    // both empty: all (core/window.h, Window::cgroups).
    std::vector<std::string> cgroups;
    std::vector<std::string> containers;
    // The sample type the profile leads with; empty: the kind's default. The
    // heap path asks for inuse_space, which also has the heap kind track
    // frees for the request (Kind::hold).
    std::string sample_type;
  };

  // Opens a new window now, waits `duration` (blocking the calling thread),
  // then returns the symbolized profile of that window. Each call gets its own
  // window; calls may run concurrently. Fails (ExitCode::kRuntime) when
  // sampling stops before the window is complete (shutdown): the handler
  // answers 503. A kind that is not captured fails with ExitCode::kUsage.
  virtual Result<std::shared_ptr<const Profile>> collect(const Request& request) = 0;

  // Before collect(): what the request must hold while its window runs (the
  // kind's per-process attachment, kinds/kind.h Kind::hold), or why the
  // request cannot be served. Default: nothing to hold.
  virtual Hold prepare(const Request& request) {
    (void)request;
    return {};
  }

  // True while sampling runs (BPF attached, loader and reader alive).
  virtual bool healthy() const = 0;

  // Before unavailable(): waits, bounded, while `kind` is still being made
  // ready (its BPF programs load after sampling starts). Default: no wait.
  virtual void await_available(std::string_view kind) { (void)kind; }

  // Why requests for `kind` cannot be answered now, or nullopt: kRuntime when
  // it may be answered later (its BPF programs still load: 503), any other
  // code when not on this run (they could not load on this kernel, or the
  // kind is not captured: 501).
  virtual std::optional<Error> unavailable(std::string_view kind) const {
    (void)kind;
    return std::nullopt;
  }
};

}  // namespace profbufd
