#include "unwind/process_events.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "process.skel.h"

namespace profbufd::unwind {
namespace {

struct SkelDeleter {
  void operator()(profbufd_process_bpf* s) const { profbufd_process_bpf__destroy(s); }
};

class ProcessEvents final : public capture::Attachment {
 public:
  explicit ProcessEvents(std::unique_ptr<profbufd_process_bpf, SkelDeleter> skel)
      : skel_(std::move(skel)) {}
  void detach() override {
    if (skel_) profbufd_process_bpf__detach(skel_.get());
  }

 private:
  std::unique_ptr<profbufd_process_bpf, SkelDeleter> skel_;
};

}  // namespace

Result<std::unique_ptr<capture::Attachment>> attach_process_events(
    const capture::AttachContext& ctx) {
  capture::LibbpfLogCapture log;
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = ctx.btf_custom_path);
  std::unique_ptr<profbufd_process_bpf, SkelDeleter> skel(
      profbufd_process_bpf__open_opts(&open_opts));
  if (!skel) return capture::libbpf_error("opening the process-events BPF object", errno, log);
  if (Status s = ctx.maps.reuse_in(skel->obj); !s) return s.error();
  skel->rodata->unwind_mode = ctx.unwind_mode;
  if (int err = profbufd_process_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the process-events BPF program", err, log);
  if (int err = profbufd_process_bpf__attach(skel.get()); err != 0)
    return capture::libbpf_error("attaching to sched_process_exec/exit", err, log);
  return std::unique_ptr<capture::Attachment>(new ProcessEvents(std::move(skel)));
}

}  // namespace profbufd::unwind
