// The run loop: follows the window schedule (core/window_schedule.h) on the
// calling thread, rotating file windows at its boundaries, until the deadline
// passes or a stop signal arrives, drawing progress in between.
//
// Waiting is behind an interface so that tests can run the loop against a fake
// clock: SignalWaiter is the real one (sigtimedwait on SIGINT, SIGTERM and
// SIGHUP, which must be blocked in every thread before any thread starts;
// main does that). SIGHUP does not stop the loop: it calls on_reload.
#pragma once

#include <cstdint>
#include <functional>

#include "common/clock.h"
#include "core/window_schedule.h"

namespace profbufd {

class FileWindows;

class Waiter {
 public:
  virtual ~Waiter() = default;
  // Returns when the monotonic clock reaches `deadline_ns` (0) or when a
  // signal arrives (its number: SIGINT, SIGTERM or SIGHUP).
  virtual int wait_until(std::uint64_t deadline_ns) = 0;
};

class SignalWaiter final : public Waiter {
 public:
  int wait_until(std::uint64_t deadline_ns) override;
};

struct RunLoop {
  WindowSchedule& schedule;
  FileWindows* files;  // null: no file windows
  Waiter& waiter;
  const Clock& clock;
  // Called at least every `tick_ns` while running (progress line); may be empty.
  std::function<void(std::uint64_t now)> on_tick;
  static constexpr std::uint64_t kDefaultTickNs = 250'000'000;
  std::uint64_t tick_ns = kDefaultTickNs;
  // Called on SIGHUP (re-read the settings); may be empty.
  std::function<void()> on_reload = {};

  // Runs until the deadline or a stop signal. Returns the signal, 0 at the
  // deadline.
  int run();
};

}  // namespace profbufd
