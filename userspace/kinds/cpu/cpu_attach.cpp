#include "kinds/cpu/cpu_attach.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "cpu.skel.h"
#include "kinds/cpu/perf_events.h"

namespace profbufd::kinds::cpu {
namespace {

struct SkelDeleter {
  void operator()(profbufd_cpu_bpf* s) const { profbufd_cpu_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_cpu_bpf, SkelDeleter>;

class CpuAttachment final : public capture::Attachment {
 public:
  CpuAttachment(Skel skel, PerfEventSet events, std::vector<int> cpus)
      : skel_(std::move(skel)), events_(std::move(events)), cpus_(std::move(cpus)) {}
  ~CpuAttachment() override { detach(); }
  void detach() override {
    events_.detach();
    detached_ = true;
  }

  // A cpu-clock event's period is fixed when it is opened, so a new
  // frequency means new events: they are opened and attached first, and the
  // old ones closed only then, so sampling never pauses and a failure leaves
  // the old events running. For the instant both sets run a CPU may be
  // sampled twice; every record weighs its own period, so totals stay CPU time.
  Status set_frequency(unsigned hz) override {
    if (detached_) return ok_status();
    auto events = PerfEventSet::open(skel_->progs.on_cpu_clock, cpus_, hz);
    if (!events) return events.error();
    events_ = std::move(events).value();  // move-assignment detaches the old set
    return ok_status();
  }

 private:
  Skel skel_;  // destroyed after the events (member order): links first
  PerfEventSet events_;
  const std::vector<int> cpus_;
  bool detached_ = false;
};

}  // namespace

Result<std::unique_ptr<capture::Attachment>> attach(const CpuConfig& config,
                                                    const capture::AttachContext& ctx) {
  capture::LibbpfLogCapture log;
  // open -> share the maps, set .rodata -> load (verifier) -> perf events.
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = ctx.btf_custom_path);
  Skel skel(profbufd_cpu_bpf__open_opts(&open_opts));
  if (!skel) return capture::libbpf_error("opening the CPU BPF object", errno, log);
  if (Status s = ctx.maps.reuse_in(skel->obj); !s) return s.error();
  skel->rodata->wakeup_bytes = ctx.wakeup_bytes;
  skel->rodata->no_idle = config.no_idle;
  skel->rodata->unwind_mode = ctx.unwind_mode;
  skel->rodata->python_walk = ctx.python_walk;
  if (int err = profbufd_cpu_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the CPU BPF program", err, log);

  auto events = PerfEventSet::open(skel->progs.on_cpu_clock, ctx.cpus, config.frequency_hz);
  if (!events) return events.error();
  return std::unique_ptr<capture::Attachment>(
      new CpuAttachment(std::move(skel), std::move(events).value(), ctx.cpus));
}

namespace {

std::unique_ptr<Kind> make(const cli::Options& o) {
  return std::make_unique<CpuKind>(CpuConfig{.frequency_hz = o.frequency_hz,
                                             .no_idle = o.no_idle,
                                             .filtered = !o.pids.empty() || !o.cgroups.empty()});
}

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind& kind,
                                                         const capture::AttachContext& ctx) {
  return attach(static_cast<const CpuKind&>(kind).config(), ctx);
}

}  // namespace

const Registration kRegistration{"cpu", &make, &attach_kind};

}  // namespace profbufd::kinds::cpu
