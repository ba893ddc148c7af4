// The CPU kind: a cpu-clock tick on every CPU at a fixed frequency
// (bpf/cpu.bpf.c), as Go's CPU profile describes it:
//
//   sample_type  [samples/count, cpu/nanoseconds], default "cpu"
//   period_type  cpu/nanoseconds, period = 1e9 / frequency
//   values       [ticks, the ticks' periods summed]
//
// Each record weighs its own tick's period (bpf/cpu.bpf.c), so a window that
// spans a change of frequency (SIGHUP) still sums to CPU time.
//
// Idle time the sampler could not see (kinds/cpu/idle_books.h) becomes samples
// of swapper/N on an "[idle]" frame, so a whole-machine profile's total is
// frequency x CPUs x duration. Windows that ask about some processes only (a
// --pid or --cgroup filter, an HTTP pid=, cgroup= or container= request), and
// --no-idle runs, keep no idle books; nor does a window during which the
// filters changed account idle time (it would not be the whole machine's).
//
// The frequency and whether a kernel filter is on change at run time (the
// reloader, app/reloader.h): relaxed atomics, read by whoever opens windows
// and builds profiles. Nothing else is published with them: a window merely
// uses the value of the moment it opens or closes.
#pragma once

#include <atomic>
#include <string>

#include "kinds/kind.h"

namespace profbufd::kinds::cpu {

struct CpuConfig {
  unsigned frequency_hz = 99;  // at start
  bool no_idle = false;        // --no-idle: the idle task is not sampled at all
  bool filtered = false;       // at start: --pid or --cgroup, some processes only
  std::string proc_stat = "/proc/stat";
};

class CpuKind final : public Kind {
 public:
  explicit CpuKind(CpuConfig config);

  std::uint16_t id() const override;
  std::string_view name() const override { return "cpu"; }
  ProfileShape shape() const override;
  // Ticks, and their periods (the record's value).
  std::span<const Accumulate> accumulators() const override;
  // At the start frequency: the buffers are sized once.
  unsigned records_per_cpu_second() const override { return config_.frequency_hz; }
  std::unique_ptr<WindowBooks> open_books(const Window& w) const override;
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override;
  // [idle] samples, details frequency_hz and idle_accounted_samples, and the
  // comments "cpus N, frequency F Hz" and "samples N" (lost excluded).
  void finish(const Window& w, ProfileAssembly& a) const override;

  void settings_changed(unsigned frequency_hz, bool filtered) const override;

  // Nanoseconds of CPU one tick stands for, at the current frequency.
  std::int64_t period_ns() const;
  unsigned frequency_hz() const { return frequency_hz_.load(std::memory_order_relaxed); }
  const CpuConfig& config() const { return config_; }

 private:
  // Adds the [idle] samples; returns how many ticks they hold.
  std::int64_t add_idle(const Window& w, ProfileAssembly& a) const;

  const CpuConfig config_;
  // Written by settings_changed() (the reloading thread), read by window
  // openers and the publisher: relaxed, see the top of this file.
  mutable std::atomic<unsigned> frequency_hz_;
  mutable std::atomic<bool> filtered_;
};

}  // namespace profbufd::kinds::cpu
