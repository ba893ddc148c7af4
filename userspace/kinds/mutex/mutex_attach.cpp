#include "kinds/mutex/mutex_attach.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <vector>

#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "mutex.skel.h"

namespace profbufd::kinds::mutex {
namespace {

struct SkelDeleter {
  void operator()(profbufd_mutex_bpf* s) const { profbufd_mutex_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_mutex_bpf, SkelDeleter>;

class MutexAttachment final : public capture::Attachment {
 public:
  MutexAttachment(Skel skel, std::vector<bpf_link*> links)
      : skel_(std::move(skel)), links_(std::move(links)) {}
  ~MutexAttachment() override { detach(); }
  void detach() override {
    for (bpf_link* l : links_) bpf_link__destroy(l);
    links_.clear();
  }

 private:
  Skel skel_;  // destroyed after the links (member order)
  std::vector<bpf_link*> links_;
};

// The exits first, then the entries: a wait is begun only once its end can
// be seen.
Result<std::vector<bpf_link*>> attach_programs(profbufd_mutex_bpf& skel,
                                               capture::LibbpfLogCapture& log) {
  std::vector<bpf_link*> links;
  for (bpf_program* p : {skel.progs.on_sys_exit, skel.progs.on_sys_enter}) {
    bpf_link* l = bpf_program__attach(p);
    if (l == nullptr) {
      const int err = errno;
      for (bpf_link* done : links) bpf_link__destroy(done);
      return capture::libbpf_error(std::string("attaching ") + bpf_program__name(p), err, log);
    }
    links.push_back(l);
  }
  return links;
}

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
  auto links = attach_programs(*skel, log);
  if (!links) return links.error();
  kind.attached(std::make_shared<MutexCountersMap>(bpf_map__fd(skel->maps.mutex_counters)));
  return std::unique_ptr<capture::Attachment>(
      new MutexAttachment(std::move(skel), std::move(links).value()));
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
