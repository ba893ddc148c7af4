#include "kinds/block/block_attach.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cmath>
#include <vector>

#include "block.skel.h"
#include "capture/libbpf_log.h"
#include "capture/shared_maps.h"
#include "common/clock.h"
#include "kinds/block/blocked_map.h"
#include "kinds/block/seed_blocked.h"

namespace profbufd::kinds::block {
namespace {

struct SkelDeleter {
  void operator()(profbufd_block_bpf* s) const { profbufd_block_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_block_bpf, SkelDeleter>;

class BlockAttachment final : public capture::Attachment {
 public:
  BlockAttachment(Skel skel, std::vector<bpf_link*> links)
      : skel_(std::move(skel)), links_(std::move(links)) {}
  ~BlockAttachment() override { detach(); }
  void detach() override {
    for (bpf_link* l : links_) bpf_link__destroy(l);
    links_.clear();
  }

 private:
  Skel skel_;  // destroyed after the links (member order)
  std::vector<bpf_link*> links_;
};

// The sampling probability as the BPF side compares it: p * 2^32.
std::uint64_t sample_threshold(double p) {
  if (p >= 1.0) return 1ULL << 32;
  return static_cast<std::uint64_t>(std::ldexp(p, 32));
}

// The switches first, then the syscall exits: blocks are tracked a moment
// before they can be recorded, which only loses the few that end in between.
Result<std::vector<bpf_link*>> attach_programs(profbufd_block_bpf& skel,
                                               capture::LibbpfLogCapture& log) {
  std::vector<bpf_link*> links;
  for (bpf_program* p :
       {skel.progs.on_switch, skel.progs.on_thread_exit, skel.progs.on_sys_exit}) {
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

Result<std::unique_ptr<capture::Attachment>> attach(const BlockKind& kind,
                                                    const capture::AttachContext& ctx) {
  capture::LibbpfLogCapture log;
  LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = ctx.btf_custom_path);
  Skel skel(profbufd_block_bpf__open_opts(&open_opts));
  if (!skel) return capture::libbpf_error("opening the block BPF object", errno, log);
  if (Status s = ctx.maps.reuse_in(skel->obj); !s) return s.error();
  skel->rodata->wakeup_bytes = ctx.wakeup_bytes;
  skel->rodata->unwind_mode = ctx.unwind_mode;
  skel->rodata->python_walk = ctx.python_walk;
  skel->rodata->min_block_ns = kind.config().min_block_ns;
  skel->rodata->sample_threshold = sample_threshold(kind.config().sample_probability);
  if (int err = profbufd_block_bpf__load(skel.get()); err != 0)
    return capture::libbpf_error("loading the block BPF program", err, log);
  auto links = attach_programs(*skel, log);
  if (!links) return links.error();
  seed_blocked(bpf_map__fd(skel->maps.blocked), "/proc", monotonic_ns(),
               kind.config().sample_probability,
               kernel_filter(ctx.maps.fd(capture::SharedMap::kSettings),
                             ctx.maps.fd(capture::SharedMap::kPids)));
  kind.attached(std::make_shared<BlockedMap>(bpf_map__fd(skel->maps.blocked),
                                             bpf_map__fd(skel->maps.block_counters)));
  return std::unique_ptr<capture::Attachment>(
      new BlockAttachment(std::move(skel), std::move(links).value()));
}

namespace {

std::unique_ptr<Kind> make(const cli::Options& o) {
  return std::make_unique<BlockKind>(
      BlockConfig{.min_block_ns = static_cast<std::uint64_t>(o.block_min.count()),
                  .sample_probability = o.block_sample});
}

Result<std::unique_ptr<capture::Attachment>> attach_kind(const Kind& kind,
                                                         const capture::AttachContext& ctx) {
  return attach(static_cast<const BlockKind&>(kind), ctx);
}

}  // namespace

const Registration kRegistration{"block", &make, &attach_kind};

}  // namespace profbufd::kinds::block
