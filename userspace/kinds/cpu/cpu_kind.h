// The CPU kind: a cpu-clock tick on every CPU at a fixed frequency
// (bpf/cpu.bpf.c), as Go's CPU profile describes it:
//
//   sample_type  [samples/count, cpu/nanoseconds], default "cpu"
//   period_type  cpu/nanoseconds, period = 1e9 / frequency
//   values       [ticks, ticks * period]
//
// Idle time the sampler could not see (kinds/cpu/idle_books.h) becomes samples
// of swapper/N on an "[idle]" frame, so a whole-machine profile's total is
// frequency x CPUs x duration. Windows that ask about some processes only (a
// --pid run, an HTTP pid= request) and --no-idle runs keep no idle books.
#pragma once

#include <string>

#include "kinds/kind.h"

namespace profbufd::kinds::cpu {

struct CpuConfig {
  unsigned frequency_hz = 99;
  bool no_idle = false;       // --no-idle: the idle task is not sampled at all
  bool pid_filtered = false;  // --pid: only some processes are sampled
  std::string proc_stat = "/proc/stat";
};

class CpuKind final : public Kind {
 public:
  explicit CpuKind(CpuConfig config);

  std::uint16_t id() const override;
  std::string_view name() const override { return "cpu"; }
  ProfileShape shape() const override;
  unsigned records_per_cpu_second() const override { return config_.frequency_hz; }
  std::unique_ptr<WindowBooks> open_books(const Window& w) const override;
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override;
  // [idle] samples, details frequency_hz and idle_accounted_samples, and the
  // comments "cpus N, frequency F Hz" and "samples N" (lost excluded).
  void finish(const Window& w, ProfileAssembly& a) const override;

  // Nanoseconds of CPU one tick stands for.
  std::int64_t period_ns() const;
  const CpuConfig& config() const { return config_; }

 private:
  // Adds the [idle] samples; returns how many ticks they hold.
  std::int64_t add_idle(const Window& w, ProfileAssembly& a) const;

  const CpuConfig config_;
};

}  // namespace profbufd::kinds::cpu
