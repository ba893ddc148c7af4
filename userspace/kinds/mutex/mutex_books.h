// The mutex kind's books of one window: how many futex waits its BPF side
// could not track, and how many were shorter than the minimum, between the
// window's begin() and end() (the counters' deltas).
//
// Threads (core/window_books.h): begin() and end() on the threads that open
// and end the window, the results read after the hand-over; they meet under
// mu_.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "core/window_books.h"
#include "kinds/mutex/mutex_counters.h"

namespace profbufd::kinds::mutex {

class MutexBooks final : public WindowBooks {
 public:
  explicit MutexBooks(std::shared_ptr<const MutexCounters> source)
      : source_(std::move(source)) {}

  void begin() override;
  void end() override;
  // The deltas; zeros until both begin() and end() ran.
  profbufd_mutex_counters in_window() const;

 private:
  const std::shared_ptr<const MutexCounters> source_;
  mutable std::mutex mu_;
  std::optional<profbufd_mutex_counters> at_begin_;  // guarded by mu_
  std::optional<profbufd_mutex_counters> delta_;     // guarded by mu_; set once
};

}  // namespace profbufd::kinds::mutex
