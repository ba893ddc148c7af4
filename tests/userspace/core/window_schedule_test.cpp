#include "core/window_schedule.h"

#include <gtest/gtest.h>

#include <vector>

namespace profbufd {
namespace {

using Action = WindowSchedule::Action;
constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kS = 1'000 * kMs;

struct Event {
  Action action;
  std::uint64_t at;
  bool operator==(const Event&) const = default;
};

// Runs the schedule the way the run loop does, waking exactly when asked plus
// `late` (a loaded machine), and records every step.
std::vector<Event> run(WindowSchedule& s, std::uint64_t start, std::uint64_t late = 0) {
  std::vector<Event> out;
  std::uint64_t now = start;
  for (int guard = 0; guard < 10000; ++guard) {
    for (;;) {
      const auto step = s.next(now);
      if (step.action == Action::kNone) break;
      out.push_back({step.action, step.at});
      if (step.action == Action::kStop) return out;
    }
    const std::uint64_t wake = s.wake_at(now);
    EXPECT_GE(wake, now);
    now = wake + late;
  }
  ADD_FAILURE() << "the schedule never stopped";
  return out;
}

TEST(WindowSchedule, BoundariesTileTimeAndStopBeforeTheDeadline) {
  WindowSchedule s({.start_ns = 5 * kS, .interval_ns = kS, .duration_ns = 3500 * kMs});
  EXPECT_EQ(s.deadline(), 8500 * kMs);
  const std::vector<Event> expected = {
      {Action::kBook, 6 * kS}, {Action::kBoundary, 6 * kS},
      {Action::kBook, 7 * kS}, {Action::kBoundary, 7 * kS},
      {Action::kBook, 8 * kS}, {Action::kBoundary, 8 * kS},
      {Action::kStop, 8500 * kMs},
  };
  EXPECT_EQ(run(s, 5 * kS), expected);
}

TEST(WindowSchedule, BooksEachBoundaryLeadAheadOfIt) {
  WindowSchedule s({.start_ns = 0, .interval_ns = kS, .lead_ns = 20 * kMs});
  EXPECT_EQ(s.wake_at(0), 980 * kMs);
  EXPECT_EQ(s.next(979 * kMs).action, Action::kNone);
  const auto book = s.next(980 * kMs);
  EXPECT_EQ(book.action, Action::kBook);
  EXPECT_EQ(book.at, kS);
  EXPECT_EQ(s.wake_at(980 * kMs), kS);  // the boundary itself
  EXPECT_EQ(s.next(999 * kMs).action, Action::kNone);
  EXPECT_EQ(s.next(kS).action, Action::kBoundary);
  EXPECT_EQ(s.wake_at(kS), 1980 * kMs);
}

TEST(WindowSchedule, NoBoundaryAtOrPastTheDeadline) {
  // The deadline falls exactly on a boundary: the last window ends with the run.
  WindowSchedule s({.start_ns = 0, .interval_ns = kS, .duration_ns = 2 * kS});
  const std::vector<Event> expected = {{Action::kBook, kS}, {Action::kBoundary, kS},
                                       {Action::kStop, 2 * kS}};
  EXPECT_EQ(run(s, 0), expected);
}

TEST(WindowSchedule, ALateLoopCatchesUpOneBoundaryAtATime) {
  WindowSchedule s({.start_ns = 0, .interval_ns = 100 * kMs, .duration_ns = kS});
  // Woken 250 ms late every time: every boundary is still booked and closed,
  // in order, and the last stop comes at the deadline.
  const std::vector<Event> events = run(s, 0, 250 * kMs);
  std::vector<std::uint64_t> booked, closed;
  for (const Event& e : events) {
    if (e.action == Action::kBook) booked.push_back(e.at);
    if (e.action == Action::kBoundary) closed.push_back(e.at);
  }
  std::vector<std::uint64_t> all;
  for (std::uint64_t b = 100 * kMs; b < kS; b += 100 * kMs) all.push_back(b);
  // Once the deadline has passed the loop stops: boundaries not reached by then
  // are never booked, and the ones booked are closed in order.
  ASSERT_FALSE(booked.empty());
  EXPECT_EQ(booked, std::vector<std::uint64_t>(all.begin(), all.begin() + booked.size()));
  EXPECT_EQ(closed, std::vector<std::uint64_t>(booked.begin(), booked.begin() + closed.size()));
  EXPECT_EQ(events.back().action, Action::kStop);
}

TEST(WindowSchedule, OneWindowRunsUntilStopped) {
  WindowSchedule s({.start_ns = 7});
  EXPECT_EQ(s.deadline(), UINT64_MAX);
  EXPECT_EQ(s.next(1'000'000 * kS).action, Action::kNone);
  EXPECT_EQ(s.wake_at(3), UINT64_MAX);
}

}  // namespace
}  // namespace profbufd
