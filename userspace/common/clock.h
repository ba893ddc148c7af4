// The two clocks profbufd uses. Window boundaries and sample times are
// CLOCK_MONOTONIC nanoseconds, the clock of bpf_ktime_get_ns(); wall-clock time
// only labels a window for people (file names, "start" in profiles).
//
// Stages that decide by time (the reader's hand-over, the window schedule) take
// a Clock, so that tests can drive them with a fake one.
#pragma once

#include <time.h>

#include <cstdint>

namespace profbufd {

inline std::uint64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::int64_t realtime_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t monotonic_ns() const = 0;
  virtual std::int64_t realtime_ns() const = 0;
};

// The real clocks.
class SystemClock final : public Clock {
 public:
  std::uint64_t monotonic_ns() const override { return profbufd::monotonic_ns(); }
  std::int64_t realtime_ns() const override { return profbufd::realtime_ns(); }
  static const SystemClock& instance() {
    static const SystemClock c;
    return c;
  }
};

}  // namespace profbufd
