// The CPU kind's books of one window: idle time the sampler could not see.
//
// On tickless (NO_HZ_IDLE) kernels and some hypervisors the cpu-clock event
// does not fire while a CPU sleeps in the idle loop, so the idle task (pid 0)
// gets few or no samples and a profile's total falls short of frequency x CPUs
// x duration by the idle share. The kernel's own idle accounting (/proc/stat,
// kinds/cpu/cpu_idle.h) measures that time: the books read it when the window
// opens and when it ends, add up the idle samples the sampler did take, and the
// CPU kind turns the difference into "[idle]" samples (cpu_kind.h). Best
// effort: a /proc/stat that cannot be read, or a window handed over before
// its end() ran, leaves the window without them.
//
// Threads (see core/window_books.h): note() on the reader thread while open;
// begin() and end() on the threads that open and end the window; idle_ns()
// and sampled() after the hand-over. begin(), end() and idle_ns() meet under
// mu_; sampled() is ordered by the reader's hand-over.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/window_books.h"
#include "kinds/cpu/cpu_idle.h"

namespace profbufd::kinds::cpu {

class IdleBooks final : public WindowBooks {
 public:
  // Books for `ncpus` CPUs, read from `proc_stat` at begin() and end().
  IdleBooks(std::size_t ncpus, std::string proc_stat);

  void note(HeaderWords header, std::uint64_t, std::span<const std::uint64_t>) override {
    const RecordHeader h = RecordHeader::unpack(header);
    if (h.pid == 0 && h.cpu < sampled_.size()) sampled_[h.cpu] += h.value;
  }
  void begin() override;
  void end() override;

  // Idle nanoseconds of each CPU over the window; nullopt unless both begin()
  // and end() ran and could read /proc/stat.
  std::optional<std::vector<std::uint64_t>> idle_ns() const;
  // CPU time of the idle task's samples the sampler took (their periods
  // summed), per CPU.
  const std::vector<std::uint64_t>& sampled_ns() const { return sampled_; }

 private:
  const std::string proc_stat_;
  std::vector<std::uint64_t> sampled_;

  mutable std::mutex mu_;
  CpuIdleTimes at_start_;                              // guarded by mu_; empty: unread
  std::optional<std::vector<std::uint64_t>> idle_ns_;  // guarded by mu_
};

// Idle nanoseconds per CPU between two readings (`ncpus` entries; a CPU whose
// counter went backwards or is missing gets 0).
std::vector<std::uint64_t> idle_between(const CpuIdleTimes& start, const CpuIdleTimes& end,
                                        std::size_t ncpus);

}  // namespace profbufd::kinds::cpu
