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
  CpuAttachment(Skel skel, PerfEventSet events)
      : skel_(std::move(skel)), events_(std::move(events)) {}
  ~CpuAttachment() override { detach(); }
  void detach() override { events_.detach(); }

 private:
  Skel skel_;  // destroyed after the events (member order): links first
  PerfEventSet events_;
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
  skel->rodata->filter_pids = ctx.filter_pids;
  skel->rodata->wakeup_bytes = ctx.wakeup_bytes;
  skel->rodata->no_idle = config.no_idle;
  skel->rodata->unwind_mode = ctx.unwind_mode;
  if (int err = profbufd_cpu_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the CPU BPF program", err, log);

  auto events = PerfEventSet::open(skel->progs.on_cpu_clock, ctx.cpus, config.frequency_hz);
  if (!events) return events.error();
  return std::unique_ptr<capture::Attachment>(
      new CpuAttachment(std::move(skel), std::move(events).value()));
}

namespace {

std::unique_ptr<Kind> make(const cli::Options& o) {
  return std::make_unique<CpuKind>(CpuConfig{.frequency_hz = o.frequency_hz,
                                             .no_idle = o.no_idle,
                                             .pid_filtered = !o.pids.empty()});
}

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind& kind,
                                                         const capture::AttachContext& ctx) {
  return attach(static_cast<const CpuKind&>(kind).config(), ctx);
}

}  // namespace

const Registration kRegistration{"cpu", &make, &attach_kind};

}  // namespace profbufd::kinds::cpu
