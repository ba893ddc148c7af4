#include "kinds/threadcreate/threadcreate_attach.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "kinds/link_kind.h"
#include "kinds/threadcreate/threadcreate_kind.h"
#include "threadcreate.skel.h"

namespace profbufd::kinds::threadcreate {
namespace {

struct SkelDeleter {
  void operator()(profbufd_threadcreate_bpf* s) const { profbufd_threadcreate_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_threadcreate_bpf, SkelDeleter>;

}  // namespace

Result<std::unique_ptr<capture::Attachment>> attach(const Kind& kind,
                                                    const capture::AttachContext& ctx) {
  capture::LibbpfLogCapture log;
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = ctx.btf_custom_path);
  Skel skel(profbufd_threadcreate_bpf__open_opts(&open_opts));
  if (!skel) return capture::libbpf_error("opening the threadcreate BPF object", errno, log);
  if (Status s = ctx.maps.reuse_in(skel->obj); !s) return s.error();
  skel->rodata->wakeup_bytes = ctx.wakeup_bytes;
  skel->rodata->unwind_mode = ctx.unwind_mode;
  skel->rodata->python_walk = ctx.python_walk;
  if (int err = profbufd_threadcreate_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the threadcreate BPF program", err, log);
  bpf_program* on_fork = skel->progs.on_fork;
  std::shared_ptr<profbufd_threadcreate_bpf> object(skel.release(), SkelDeleter{});
  return link_kind(kind, ctx, "the threadcreate profile", object,
                   [on_fork] { return capture::link_programs({on_fork}); });
}

namespace {

std::unique_ptr<Kind> make(const cli::Options&) { return std::make_unique<ThreadcreateKind>(); }

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind& kind,
                                                         const capture::AttachContext& ctx) {
  return attach(kind, ctx);
}

}  // namespace

const Registration kRegistration{"threadcreate", &make, &attach_kind};

}  // namespace profbufd::kinds::threadcreate
