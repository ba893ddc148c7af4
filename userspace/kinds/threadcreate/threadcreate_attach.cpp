#include "kinds/threadcreate/threadcreate_attach.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "kinds/threadcreate/threadcreate_kind.h"
#include "threadcreate.skel.h"

namespace profbufd::kinds::threadcreate {
namespace {

struct SkelDeleter {
  void operator()(profbufd_threadcreate_bpf* s) const { profbufd_threadcreate_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_threadcreate_bpf, SkelDeleter>;

class ThreadcreateAttachment final : public capture::Attachment {
 public:
  ThreadcreateAttachment(Skel skel, bpf_link* link) : skel_(std::move(skel)), link_(link) {}
  ~ThreadcreateAttachment() override { detach(); }
  void detach() override {
    bpf_link__destroy(link_);
    link_ = nullptr;
  }

 private:
  Skel skel_;  // destroyed after the link (member order)
  bpf_link* link_;
};

}  // namespace

Result<std::unique_ptr<capture::Attachment>> attach(const capture::AttachContext& ctx) {
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
  bpf_link* link = bpf_program__attach(skel->progs.on_fork);
  if (link == nullptr)
    return capture::libbpf_error("attaching on_fork (sched_process_fork)", errno, log);
  return std::unique_ptr<capture::Attachment>(new ThreadcreateAttachment(std::move(skel), link));
}

namespace {

std::unique_ptr<Kind> make(const cli::Options&) { return std::make_unique<ThreadcreateKind>(); }

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind&,
                                                         const capture::AttachContext& ctx) {
  return attach(ctx);
}

}  // namespace

const Registration kRegistration{"threadcreate", &make, &attach_kind};

}  // namespace profbufd::kinds::threadcreate
