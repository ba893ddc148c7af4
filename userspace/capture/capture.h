// The capture stage, for every kind at once: the BPF maps all kinds share, one
// ProfBuf per online CPU, and the loader thread that moves records from the
// ring into them.
//
//   kinds' BPF programs --(shared ring, capture/shared_maps.h)--> RingbufLoader
//     thread --> SampleRouter --> ProfBuf[cpu] --> reader (core/reader.h)
//
// Lifecycle: open() creates the maps, the buffers and the loader (nothing
// samples yet). Each kind then attaches to maps() and hands its Attachment to
// add(): its records start to wait in the ring, which holds at least a second
// of them, until start() runs the loader thread. stop() detaches every kind,
// lets the loader drain the ring one last time, then close()s every ProfBuf so
// the reader sees EOF once it has read everything. The destructor stops.
//
// Lifetime: ProfBuf tags point to TaskIdentity objects owned by the Capture.
// The reader copies what windows need (core/window.h), so closed windows
// outlive the Capture; the reader itself must not.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/attachment.h"
#include "capture/ringbuf_loader.h"
#include "capture/sample_router.h"
#include "capture/shared_maps.h"
#include "capture/sizing.h"
#include "capture/task_interner.h"
#include "common/error.h"
#include "core/profbuf.h"

namespace profbufd::capture {

struct CaptureOptions {
  // Records per second each CPU is expected to produce (every kind together):
  // the buffers are sized for it. For the CPU kind alone, its frequency.
  unsigned records_per_cpu_second = 99;
  // Keep only these tgids (at most PROFBUFD_MAX_PIDS) or tasks under these
  // cgroups (open cgroup v2 directory fds, at most PROFBUFD_MAX_CGROUPS; used
  // during open() only). Both empty: everything.
  std::vector<std::uint32_t> pids;
  std::vector<int> cgroup_fds;
  std::optional<std::uint64_t> ringbuf_bytes;  // default: ringbuf_bytes_for()
  std::string cpu_online_path = "/sys/devices/system/cpu/online";
  ProfBufSizing profbuf_sizing;             // how profbuf_size_for() sizes
  std::optional<ProfBufSize> profbuf_size;  // overrides profbuf_sizing
  std::size_t max_task_identities = TaskInterner::kDefaultMaxIdentities;
  std::chrono::milliseconds drain_period = RingbufLoader::kDefaultPeriod;
  // Kernel memory for the user-stack walker's tables (bpf/unwind.h); 0 when
  // the walker is off.
  std::uint64_t unwind_table_bytes = 0;
};

// How the shared maps are sized for a ring and an unwind table budget.
SharedMapSizes shared_map_sizes(std::uint64_t ringbuf_bytes, std::uint64_t unwind_table_bytes);

struct CpuCaptureStats {
  int cpu = 0;
  std::uint64_t samples = 0;  // records written to this CPU's ProfBuf by the loader
};

// The BPF counters of one kind, summed over CPUs.
struct KindCaptureStats {
  std::uint64_t seen = 0;     // records the kind's program accepted (post-filter)
  std::uint64_t dropped = 0;  // of those, lost: ringbuf reservation failed
};

struct CaptureStats {
  std::vector<CpuCaptureStats> cpus;                      // one per CPU, ascending
  std::vector<KindCaptureStats> kinds;                    // index = kind id
  std::uint64_t ringbuf_capacity_bytes = 0;
  // Highest ring fill seen by any program right after a reservation (the
  // producer-consumer distance at its peak), over all CPUs and kinds.
  std::uint64_t ringbuf_peak_used_bytes = 0;
  std::uint64_t malformed_records = 0;  // rejected by the decoder (never expected)
  std::uint64_t misrouted_records = 0;  // for a CPU without a buffer (never expected)
  std::uint64_t task_identities = 0;    // distinct comms interned
  std::uint64_t task_identity_overflow = 0;  // records tagged "[other]"
  std::uint64_t loader_drains = 0;
  int loader_errno = 0;         // non-zero: the loader hit this error
  bool bpf_counters_ok = true;  // false: the BPF counter map was unreadable

  std::uint64_t total_samples() const;
  std::uint64_t total_drops() const;
};

class Capture {
 public:
  // Errors: kUsage for bad options, kNoPrivilege for EPERM/EACCES, kBpfLoad
  // for other failures to create the maps, kRuntime for the loader.
  static Result<std::unique_ptr<Capture>> open(const CaptureOptions& options);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Online CPUs, each with a ProfBuf, ascending.
  const std::vector<int>& cpus() const { return cpus_; }
  // The ProfBuf of an online CPU. Throws std::out_of_range for other ids.
  ProfBuf& buffer(int cpu);
  // Every buffer, indexed by CPU id; null for CPUs without one.
  std::vector<ProfBuf*> buffers() const;
  const ProfBufSize& profbuf_size() const { return profbuf_size_; }
  std::uint64_t ringbuf_bytes() const { return maps_->ringbuf_bytes(); }

  // What a kind attaches to. The filters are already filled in.
  AttachContext attach_context(const char* btf_custom_path, std::uint8_t unwind_mode,
                               std::uint8_t python_walk) const;
  const SharedMaps& maps() const { return *maps_; }
  // Replaces the kernel filters (SharedMaps::set_filters) while sampling
  // runs. Called by one thread at a time (the run loop's reload).
  Status set_filters(std::span<const std::uint32_t> pids, std::span<const int> cgroup_fds);
  // Every attached kind samples at `hz` from now on (Attachment::set_frequency);
  // the first failure is returned, with the kinds before it already changed.
  Status set_frequency(unsigned hz);
  // Takes a kind's attachment; stop() detaches it. Safe from any thread (a
  // kind loaded after sampling starts is added from app/late_kinds.h's
  // thread); after stop() the attachment is detached at once.
  void add(std::unique_ptr<Attachment> attachment);

  // Tells `observer` of every sample's Python frames (SampleRouter); before
  // start(). The observer must outlive stop().
  void set_python_observer(PythonFrameObserver* observer);

  void start();
  void stop();  // idempotent

  // Safe from any thread, at any time before destruction.
  CaptureStats stats() const;

 private:
  Capture() = default;
  Status load(const CaptureOptions& options);

  std::vector<int> cpus_;
  ProfBufSize profbuf_size_;
  std::optional<SharedMaps> maps_;
  std::vector<std::unique_ptr<ProfBuf>> buffers_;  // indexed by cpu id
  std::unique_ptr<TaskInterner> interner_;
  std::unique_ptr<SampleRouter> router_;
  std::unique_ptr<RingbufLoader> loader_;
  mutable std::mutex attachments_mu_;  // guards attachments_ and stopped_
  std::vector<std::unique_ptr<Attachment>> attachments_;
  bool stopped_ = false;
};

}  // namespace profbufd::capture
