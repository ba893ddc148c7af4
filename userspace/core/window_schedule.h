// When file windows rotate and when a run ends: the arithmetic of the run loop,
// apart from clocks, signals and threads, so that it can be tested step by step.
//
// Windows tile time: with an interval I from start S, boundaries fall at
// S + I, S + 2I, ... strictly before the deadline (S + --duration), and the
// last window ends with the run instead of leaving a sliver behind it.
//
// A boundary is booked with the reader `lead` ahead of time (kBook): a record
// is timestamped when taken, so none at or past the boundary can have been
// routed into the current window yet. At the boundary itself (kBoundary) the
// windows' books are closed. Only one boundary is booked at a time; a loop that
// wakes late catches up one boundary per step.
//
// Use: after every wakeup, call next(now) until it returns kNone, acting on
// each step; then sleep until wake_at(now).
#pragma once

#include <cstdint>
#include <optional>

namespace profbufd {

class WindowSchedule {
 public:
  struct Config {
    std::uint64_t start_ns = 0;                 // CLOCK_MONOTONIC
    std::optional<std::uint64_t> interval_ns = {};  // unset: one window
    std::optional<std::uint64_t> duration_ns = {};  // unset: until stopped
    std::uint64_t lead_ns = 20'000'000;         // 20 ms
  };

  enum class Action {
    kNone,      // nothing to do before wake_at()
    kBook,      // book a rotation at `at` with the reader now
    kBoundary,  // the booked boundary `at` has passed: close the ended windows' books
    kStop,      // the deadline has passed: end the run
  };
  struct Step {
    Action action = Action::kNone;
    std::uint64_t at = 0;
  };

  explicit WindowSchedule(Config config);

  Step next(std::uint64_t now);
  // When the loop must wake next (>= now): the deadline, the booked boundary,
  // or the time to book the next one.
  std::uint64_t wake_at(std::uint64_t now) const;
  std::uint64_t deadline() const { return deadline_; }  // UINT64_MAX: none

 private:
  const Config config_;
  const std::uint64_t deadline_;
  std::uint64_t next_boundary_;  // UINT64_MAX: none
  bool booked_ = false;          // a rotation at booked_at_ awaits its boundary
  std::uint64_t booked_at_ = 0;
};

}  // namespace profbufd
