// The deadlines of the connections the acceptor holds (http/acceptor.h): at
// most one per connection, earliest first. Pure bookkeeping, no clock of its
// own, so tests drive it with made-up times.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace profbufd::http {

class Deadlines {
 public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;

  // Sets (or moves) the deadline of `id`.
  void arm(Id id, Clock::time_point when);
  // Forgets `id`; unknown ids are ignored.
  void disarm(Id id);
  // Removes and returns every id whose deadline is at or before `now`,
  // earliest first.
  std::vector<Id> expire(Clock::time_point now);
  // Milliseconds from `now` until the earliest deadline, rounded up so that
  // a wait of that long ends past it: 0 when one has passed, -1 (wait
  // forever, as epoll_wait takes it) when none is armed.
  int wait_ms(Clock::time_point now) const;
  std::size_t size() const { return by_id_.size(); }

 private:
  std::set<std::pair<Clock::time_point, Id>> by_time_;
  std::unordered_map<Id, Clock::time_point> by_id_;
};

}  // namespace profbufd::http
