// The capture stage: the BPF sampler on a cpu-clock perf event on every online
// CPU, and the loader thread that moves its samples into one ProfBuf per CPU.
//
//   perf cpu-clock (per CPU) -> bpf/profbufd.bpf.c -> BPF ringbuf
//     -> RingbufLoader thread -> SampleRouter -> ProfBuf[cpu] -> reader
//
// Lifecycle: open() loads and attaches (sampling starts right away; samples
// wait in the ring, which holds at least one second of them, until start()).
// start() runs the loader thread. stop() detaches the perf events, lets the
// loader drain the ring one last time, then close()s every ProfBuf so the
// reader sees EOF once it has read everything. The destructor stops.
//
// Idle: samples of the idle task (pid 0, comm "swapper/N") are kept unless
// no_idle is set, but they do not measure idle time: measured on kernel 6.18,
// the cpu-clock timer almost never fires while a CPU idles, so a CPU's sample
// count follows its busy time (see tests/e2e/capture_test.cpp).
//
// Lifetime: ProfBuf tags point to TaskIdentity objects owned by the Capture;
// the Capture must outlive every reader that dereferences tags.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinds/cpu/perf_events.h"
#include "capture/ringbuf_loader.h"
#include "capture/sample_router.h"
#include "capture/sizing.h"
#include "capture/task_interner.h"
#include "common/error.h"
#include "core/profbuf.h"

struct profbufd_cpu_bpf;

namespace profbufd::capture {

inline constexpr std::size_t kMaxPids = 32;  // size of the BPF pid filter map

struct CaptureOptions {
  unsigned frequency_hz = 99;
  std::vector<std::uint32_t> pids;  // sample only these tgids (at most kMaxPids)
  bool no_idle = false;             // do not sample the idle task (pid 0)
  std::optional<std::uint64_t> ringbuf_bytes;  // default: ringbuf_bytes_for()
  std::string cpu_online_path = "/sys/devices/system/cpu/online";
  ProfBufSizing profbuf_sizing;             // how profbuf_size_for() sizes
  std::optional<ProfBufSize> profbuf_size;  // overrides profbuf_sizing
  std::size_t max_task_identities = TaskInterner::kDefaultMaxIdentities;
  std::chrono::milliseconds drain_period = RingbufLoader::kDefaultPeriod;
};

struct CpuCaptureStats {
  int cpu = 0;
  std::uint64_t samples = 0;         // written to this CPU's ProfBuf by the loader
  std::uint64_t bpf_seen = 0;        // samples the BPF program accepted (post-filter)
  std::uint64_t ringbuf_drops = 0;   // of those, lost: ringbuf reservation failed
};

struct CaptureStats {
  std::vector<CpuCaptureStats> cpus;  // one per sampled CPU, ascending
  std::uint64_t ringbuf_capacity_bytes = 0;
  // Highest ring fill seen by the BPF program right after a reservation (the
  // producer-consumer distance at its peak), over all CPUs.
  std::uint64_t ringbuf_peak_used_bytes = 0;
  std::uint64_t malformed_records = 0;  // rejected by the decoder (never expected)
  std::uint64_t misrouted_records = 0;  // for a CPU without a buffer (never expected)
  std::uint64_t task_identities = 0;    // distinct comms interned
  std::uint64_t task_identity_overflow = 0;  // samples tagged "[other]"
  std::uint64_t loader_drains = 0;
  int loader_errno = 0;               // non-zero: the loader hit this error
  bool bpf_counters_ok = true;        // false: the BPF counter map was unreadable

  std::uint64_t total_samples() const;
  std::uint64_t total_drops() const;
};

class Capture {
 public:
  // Opens, configures, loads and attaches. Errors: kUsage for bad options,
  // kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise, with libbpf's relevant
  // log line in `why`.
  static Result<std::unique_ptr<Capture>> open(const CaptureOptions& options);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // CPUs actually sampled, ascending.
  const std::vector<int>& cpus() const { return cpus_; }
  // The ProfBuf of a sampled CPU. Throws std::out_of_range for other ids.
  ProfBuf& buffer(int cpu);
  const ProfBufSize& profbuf_size() const { return profbuf_size_; }
  std::uint64_t ringbuf_bytes() const { return ringbuf_bytes_; }
  // Whether CO-RE relocation used the build's minimized BTF (capture/core_btf.h)
  // rather than the kernel's full BTF.
  bool used_minimized_btf() const { return used_minimized_btf_; }

  void start();
  void stop();  // idempotent

  // Safe from any thread, at any time before destruction.
  CaptureStats stats() const;

 private:
  Capture() = default;
  Status load(const CaptureOptions& options);

  struct SkelDeleter {
    void operator()(profbufd_cpu_bpf* s) const;
  };

  std::vector<int> cpus_;
  ProfBufSize profbuf_size_;
  std::uint64_t ringbuf_bytes_ = 0;
  std::unique_ptr<profbufd_cpu_bpf, SkelDeleter> skel_;
  std::vector<std::unique_ptr<ProfBuf>> buffers_;  // indexed by cpu id
  std::unique_ptr<TaskInterner> interner_;
  std::unique_ptr<SampleRouter> router_;
  std::unique_ptr<RingbufLoader> loader_;
  PerfEventSet events_;
  bool stopped_ = false;
  bool used_minimized_btf_ = false;
};

}  // namespace profbufd::capture
