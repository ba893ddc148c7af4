// A Clock that tests set by hand.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/clock.h"

namespace profbufd::testing {

class FakeClock final : public Clock {
 public:
  // Monotonic time starts at 0; wall-clock time is monotonic + `unix_offset`.
  explicit FakeClock(std::int64_t unix_offset = 1'700'000'000'000'000'000)
      : unix_offset_(unix_offset) {}
  std::uint64_t monotonic_ns() const override { return now_.load(); }
  std::int64_t realtime_ns() const override {
    return unix_offset_ + static_cast<std::int64_t>(now_.load());
  }
  void set(std::uint64_t ns) { now_.store(ns); }
  void advance(std::uint64_t ns) { now_.fetch_add(ns); }

 private:
  const std::int64_t unix_offset_;
  // Set by the test thread, read by the reader thread: seq_cst is plenty.
  std::atomic<std::uint64_t> now_{0};
};

}  // namespace profbufd::testing
