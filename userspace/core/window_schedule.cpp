#include "core/window_schedule.h"

#include <algorithm>

namespace profbufd {

WindowSchedule::WindowSchedule(Config config)
    : config_(config),
      deadline_(config.duration_ns ? config.start_ns + *config.duration_ns : UINT64_MAX),
      next_boundary_(config.interval_ns && *config.interval_ns > 0
                         ? config.start_ns + *config.interval_ns
                         : UINT64_MAX) {}

WindowSchedule::Step WindowSchedule::next(std::uint64_t now) {
  if (now >= deadline_) return {Action::kStop, deadline_};
  if (booked_) {
    if (now < booked_at_) return {};
    booked_ = false;
    return {Action::kBoundary, booked_at_};
  }
  // A boundary at or past the deadline is never booked.
  if (next_boundary_ < deadline_ && now + config_.lead_ns >= next_boundary_) {
    booked_ = true;
    booked_at_ = next_boundary_;
    next_boundary_ += *config_.interval_ns;
    return {Action::kBook, booked_at_};
  }
  return {};
}

std::uint64_t WindowSchedule::wake_at(std::uint64_t now) const {
  std::uint64_t event = UINT64_MAX;
  if (booked_) {
    event = booked_at_;
  } else if (next_boundary_ < deadline_) {
    event = next_boundary_ > config_.lead_ns ? next_boundary_ - config_.lead_ns : 0;
  }
  return std::max(now, std::min(deadline_, event));
}

}  // namespace profbufd
