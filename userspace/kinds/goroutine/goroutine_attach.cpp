#include "kinds/goroutine/goroutine_attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "goroutine.skel.h"

namespace profbufd::kinds::goroutine {
namespace {

struct SkelDeleter {
  void operator()(profbufd_goroutine_bpf* s) const { profbufd_goroutine_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_goroutine_bpf, SkelDeleter>;

// A link per snapshot (it carries the pid), destroyed once the iterator made
// from it is open: the iterator keeps the program.
class SkelIterators final : public TaskIterators {
 public:
  SkelIterators(Skel skel, std::uint64_t wakeup_bytes)
      : skel_(std::move(skel)), wakeup_bytes_(wakeup_bytes) {}
  Result<Fd> open(std::uint32_t pid) override {
    const std::string what = "goroutine snapshot";
    // Paired with detach(): no record is written after the capture stopped.
    if (detached_.load(std::memory_order_acquire))
      return make_error(ExitCode::kRuntime, what, "profbufd is stopping");
    union bpf_iter_link_info info {};
    info.task.pid = pid;
    LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));
    bpf_link* link = bpf_program__attach_iter(skel_->progs.snapshot, pid ? &opts : nullptr);
    if (link == nullptr)
      return make_error(ExitCode::kBpfLoad, what + ": attaching the task iterator",
                        std::strerror(errno));
    Fd fd(bpf_iter_create(bpf_link__fd(link)));
    const int err = errno;
    bpf_link__destroy(link);
    if (!fd)
      return make_error(ExitCode::kBpfLoad, what + ": creating the task iterator",
                        std::strerror(err));
    return fd;
  }
  std::uint64_t wakeup_bytes() const override { return wakeup_bytes_; }
  void detach() { detached_.store(true, std::memory_order_release); }

 private:
  Skel skel_;
  const std::uint64_t wakeup_bytes_;
  std::atomic<bool> detached_{false};
};

}  // namespace

Result<std::unique_ptr<capture::Attachment>> attach(const GoroutineKind& kind,
                                                    const capture::AttachContext& ctx) {
  capture::LibbpfLogCapture log;
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = ctx.btf_custom_path);
  Skel skel(profbufd_goroutine_bpf__open_opts(&open_opts));
  if (!skel) return capture::libbpf_error("opening the goroutine BPF object", errno, log);
  if (Status s = ctx.maps.reuse_in(skel->obj); !s) return s.error();
  skel->rodata->wakeup_bytes = ctx.wakeup_bytes;
  // The table walker reads the walked thread's memory here; the Python
  // walker reads only current's, so it stays off (python_walk 0).
  skel->rodata->unwind_mode = ctx.unwind_mode;
  if (int err = profbufd_goroutine_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the goroutine BPF program", err, log);
  auto it = std::make_shared<SkelIterators>(std::move(skel), ctx.wakeup_bytes);
  kind.attached(it);
  return capture::on_detach([it] { it->detach(); });
}

namespace {

std::unique_ptr<Kind> make(const cli::Options&) { return std::make_unique<GoroutineKind>(); }

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind& kind,
                                                         const capture::AttachContext& ctx) {
  return attach(static_cast<const GoroutineKind&>(kind), ctx);
}

}  // namespace

const Registration kRegistration{"goroutine", &make, &attach_kind,
                                 "this kind is a snapshot taken on request only",
                                 "ask /debug/pprof/goroutine with --http-listen"};

}  // namespace profbufd::kinds::goroutine
