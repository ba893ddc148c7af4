#include "kinds/heap/heap_attach.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "heap.skel.h"
#include "kinds/heap/heap_probes.h"

namespace profbufd::kinds::heap {
namespace {

struct SkelDeleter {
  void operator()(profbufd_heap_bpf* s) const { profbufd_heap_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_heap_bpf, SkelDeleter>;

}  // namespace

Result<std::unique_ptr<capture::Attachment>> attach(const HeapKind& kind,
                                                    const capture::AttachContext& ctx) {
  capture::LibbpfLogCapture log;
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = ctx.btf_custom_path);
  Skel skel(profbufd_heap_bpf__open_opts(&open_opts));
  if (!skel) return capture::libbpf_error("opening the heap BPF object", errno, log);
  if (Status s = ctx.maps.reuse_in(skel->obj); !s) return s.error();
  skel->rodata->wakeup_bytes = ctx.wakeup_bytes;
  skel->rodata->unwind_mode = ctx.unwind_mode;
  skel->rodata->python_walk = ctx.python_walk;
  skel->rodata->sample_rate = kind.config().rate;
  if (int err = profbufd_heap_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the heap BPF program", err, log);
  const HeapProbes::Programs programs{.on_malloc = skel->progs.on_malloc,
                                      .on_calloc = skel->progs.on_calloc,
                                      .on_realloc = skel->progs.on_realloc,
                                      .on_free = skel->progs.on_free,
                                      .on_alloc_return = skel->progs.on_alloc_return,
                                      .on_aligned_alloc = skel->progs.on_aligned_alloc,
                                      .on_posix_memalign = skel->progs.on_posix_memalign,
                                      .on_valloc = skel->progs.on_valloc,
                                      .on_posix_memalign_return =
                                          skel->progs.on_posix_memalign_return};
  const HeapProbes::Maps maps{bpf_map__fd(skel->maps.heap_counters),
                              bpf_map__fd(skel->maps.heap_live)};
  std::shared_ptr<profbufd_heap_bpf> object(skel.release(), SkelDeleter{});
  auto probes = std::make_shared<HeapProbes>(programs, object, maps);
  kind.attached(probes);
  // Stopping the capture detaches every process's probes; the object itself
  // goes with the last of them (HeapProbes keeps it).
  return capture::on_detach([probes] { probes->detach_all(); });
}

namespace {

std::unique_ptr<Kind> make(const cli::Options& o) {
  return std::make_unique<HeapKind>(HeapConfig{.rate = o.heap_rate});
}

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind& kind,
                                                         const capture::AttachContext& ctx) {
  return attach(static_cast<const HeapKind&>(kind), ctx);
}

}  // namespace

const Registration kRegistration{"heap", &make, &attach_kind,
                                 "this kind profiles one process, on request only",
                                 "ask /debug/pprof/allocs?pid=PID&seconds=N with --http-listen"};

}  // namespace profbufd::kinds::heap
