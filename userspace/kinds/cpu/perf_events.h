// One software cpu-clock perf event per CPU, each with the BPF sampler
// attached. Owns the events and the links: destroying the set (or detach())
// stops sampling.
#pragma once

#include <vector>

#include "common/error.h"

struct bpf_link;
struct bpf_program;

namespace profbufd::kinds::cpu {

class PerfEventSet {
 public:
  PerfEventSet() = default;
  ~PerfEventSet() { detach(); }
  PerfEventSet(PerfEventSet&& o) noexcept;
  PerfEventSet& operator=(PerfEventSet&& o) noexcept;
  PerfEventSet(const PerfEventSet&) = delete;
  PerfEventSet& operator=(const PerfEventSet&) = delete;

  // Opens a PERF_COUNT_SW_CPU_CLOCK event in frequency mode (sample_freq =
  // frequency_hz) on each CPU of `cpus` and attaches `prog` to it.
  // A CPU that is offline (ENODEV: it went away since the online list was
  // read) is skipped; if no CPU is left, that is an error. EPERM/EACCES map to
  // ExitCode::kNoPrivilege, anything else to kBpfLoad, naming the CPU.
  static Result<PerfEventSet> open(bpf_program* prog, const std::vector<int>& cpus,
                                   unsigned frequency_hz);

  // CPUs with an attached event, ascending.
  const std::vector<int>& cpus() const { return cpus_; }

  // Destroys the links and closes the events. Idempotent.
  void detach();

 private:
  std::vector<int> cpus_;
  std::vector<int> fds_;           // parallel to cpus_; owned by links_, not closed here
  std::vector<bpf_link*> links_;   // parallel to cpus_
};

}  // namespace profbufd::kinds::cpu
