#include "kinds/mutex/mutex_attach.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <vector>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "common/clock.h"
#include "kinds/link_kind.h"
#include "mutex.skel.h"

namespace profbufd::kinds::mutex {
namespace {

struct SkelDeleter {
  void operator()(profbufd_mutex_bpf* s) const { profbufd_mutex_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_mutex_bpf, SkelDeleter>;

}  // namespace

Result<std::unique_ptr<capture::Attachment>> attach(const MutexKind& kind,
                                                    const capture::AttachContext& ctx) {
  capture::LibbpfLogCapture log;
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = ctx.btf_custom_path);
  Skel skel(profbufd_mutex_bpf__open_opts(&open_opts));
  if (!skel) return capture::libbpf_error("opening the mutex BPF object", errno, log);
  if (Status s = ctx.maps.reuse_in(skel->obj); !s) return s.error();
  skel->rodata->wakeup_bytes = ctx.wakeup_bytes;
  skel->rodata->unwind_mode = ctx.unwind_mode;
  skel->rodata->python_walk = ctx.python_walk;
  skel->rodata->min_wait_ns = kind.config().min_wait_ns;
  if (int err = profbufd_mutex_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the mutex BPF program", err, log);
  kind.attached(std::make_shared<MutexCountersMap>(bpf_map__fd(skel->maps.mutex_counters)));
  std::shared_ptr<profbufd_mutex_bpf> object(skel.release(), SkelDeleter{});
  // The exits first, then the entries: a wait is begun only once its end can
  // be seen. Waits begun in an earlier linking are stale (their ends went
  // unseen): the programs ignore those begun before linked_since_ns.
  auto* bss = object->bss;
  auto* exit = object->progs.on_sys_exit;
  auto* enter = object->progs.on_sys_enter;
  return link_kind(kind, ctx, "the mutex profile", object,
                   [exit, enter] { return capture::link_programs({exit, enter}); },
                   {.before = [bss] { bss->linked_since_ns = monotonic_ns(); }, .after = {}});
}

namespace {

std::unique_ptr<Kind> make(const cli::Options& o) {
  return std::make_unique<MutexKind>(
      MutexConfig{.min_wait_ns = static_cast<std::uint64_t>(o.mutex_min.count())});
}

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind& kind,
                                                         const capture::AttachContext& ctx) {
  return attach(static_cast<const MutexKind&>(kind), ctx);
}

}  // namespace

const Registration kRegistration{"mutex", &make, &attach_kind};

}  // namespace profbufd::kinds::mutex
