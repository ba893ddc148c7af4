// The mutex kind: user-space lock contention, every futex wait of at least
// min_wait_ns (bpf/mutex.bpf.c), in the shape of Go's mutex profile:
//
//   sample_type  [contentions/count, delay/nanoseconds], default "delay"
//   period_type  contentions/count, period 1
//   values       [waits that ended, nanoseconds waited inside the window]
//
// A contention is one futex wait: a pthread_mutex_lock that sleeps twice
// (woken, then beaten to the lock) counts two, whereas Go counts the lock
// once. Waits on condition variables and other futex-based primitives
// (semaphores, barriers, rwlocks) are futex waits too, and appear with their
// own stacks. The stack is the waiter's, not the holder's as in Go (which
// charges the delay where the lock is released).
//
// A wait counts in the window in which it ends, clipped at the window's start
// (Accumulate::kSpan); a wait still going on when a window ends counts in a
// later one. No sampling: every wait past the minimum is recorded, so values
// are not scaled (the profile says so).
//
// Waits the BPF side could not track are lost samples
// "[lost: futex_untracked]"; waits shorter than the minimum are counted in
// the details (mutex_too_short) and in /metrics.
#pragma once

#include <atomic>
#include <memory>

#include "kinds/kind.h"
#include "kinds/mutex/mutex_counters.h"

namespace profbufd::kinds::mutex {

inline constexpr std::uint64_t kDefaultMinWaitNs = 10'000;  // --mutex-min 10us

struct MutexConfig {
  std::uint64_t min_wait_ns = kDefaultMinWaitNs;
};

class MutexKind final : public Kind {
 public:
  explicit MutexKind(MutexConfig config) : config_(config) {}

  std::uint16_t id() const override;
  std::string_view name() const override { return "mutex"; }
  ProfileShape shape() const override;
  // Waits, and their nanoseconds clipped to the window.
  std::span<const Accumulate> accumulators() const override;
  // A guess for sizing: a contended lock makes thousands of long waits a
  // second; the ring's overflow is counted.
  unsigned records_per_cpu_second() const override { return 500; }
  std::unique_ptr<WindowBooks> open_books(const Window& w) const override;
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  // Lost waits: counted, of unknown delay.
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override;
  // Lost futex_untracked, detail mutex_too_short, the minimum.
  void finish(const Window& w, ProfileAssembly& a) const override;
  // profbufd_mutex_lost_total{reason="untracked"}, profbufd_mutex_too_short_total.
  void write_metrics(metrics::MetricWriter& w) const override;

  // Called once the BPF side runs (kinds/mutex/mutex_attach.cpp).
  void attached(std::shared_ptr<const MutexCounters> source) const;
  const MutexConfig& config() const { return config_; }

 private:
  const MutexConfig config_;
  // Set once by attached() (the attaching thread), read by window openers
  // and scrapes: the atomic shared_ptr orders the source's construction
  // before its use.
  mutable std::atomic<std::shared_ptr<const MutexCounters>> source_;
};

}  // namespace profbufd::kinds::mutex
