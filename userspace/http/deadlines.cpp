#include "http/deadlines.h"

#include <limits>

namespace profbufd::http {

void Deadlines::arm(Id id, Clock::time_point when) {
  disarm(id);
  by_time_.emplace(when, id);
  by_id_.emplace(id, when);
}

void Deadlines::disarm(Id id) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  by_time_.erase({it->second, id});
  by_id_.erase(it);
}

std::vector<Deadlines::Id> Deadlines::expire(Clock::time_point now) {
  std::vector<Id> out;
  while (!by_time_.empty() && by_time_.begin()->first <= now) {
    const Id id = by_time_.begin()->second;
    by_time_.erase(by_time_.begin());
    by_id_.erase(id);
    out.push_back(id);
  }
  return out;
}

int Deadlines::wait_ms(Clock::time_point now) const {
  if (by_time_.empty()) return -1;
  const auto left = by_time_.begin()->first - now;
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                              : static_cast<int>(ms);
}

}  // namespace profbufd::http
