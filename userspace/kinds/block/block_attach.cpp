#include "kinds/block/block_attach.h"

#include <bpf/bpf.h>
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
#include "kinds/link_kind.h"

namespace profbufd::kinds::block {
namespace {

struct SkelDeleter {
  void operator()(profbufd_block_bpf* s) const { profbufd_block_bpf__destroy(s); }
};
using Skel = std::unique_ptr<profbufd_block_bpf, SkelDeleter>;

// The sampling probability as the BPF side compares it: p * 2^32.
std::uint64_t sample_threshold(double p) {
  if (p >= 1.0) return 1ULL << 32;
  return static_cast<std::uint64_t>(std::ldexp(p, 32));
}

// Entries left by an earlier linking: a thread that woke while the programs
// were unlinked would look blocked ever since.
void forget_blocked(int fd) {
  std::uint32_t tid = 0;
  for (std::size_t n = 0; n < 2 * PROFBUFD_MAX_BLOCKED; ++n) {
    if (bpf_map_get_next_key(fd, nullptr, &tid) != 0) return;
    bpf_map_delete_elem(fd, &tid);
  }
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
  const int blocked_fd = bpf_map__fd(skel->maps.blocked);
  kind.attached(std::make_shared<BlockedMap>(blocked_fd, bpf_map__fd(skel->maps.block_counters)));
  std::shared_ptr<profbufd_block_bpf> object(skel.release(), SkelDeleter{});
  // The switches first, then the syscall exits: blocks are tracked a moment
  // before they can be recorded, which only loses the few that end in between.
  auto* p = &object->progs;
  auto link = [switch_ = p->on_switch, exit = p->on_thread_exit, sys_exit = p->on_sys_exit] {
    return capture::link_programs({switch_, exit, sys_exit});
  };
  const double probability = kind.config().sample_probability;
  auto filter = kernel_filter(ctx.maps.fd(capture::SharedMap::kSettings),
                              ctx.maps.fd(capture::SharedMap::kPids));
  capture::ProgramLinks::Hooks hooks{
      .before = [blocked_fd] { forget_blocked(blocked_fd); },
      .after = [blocked_fd, probability, filter] {
        seed_blocked(blocked_fd, "/proc", monotonic_ns(), probability, filter);
      }};
  return link_kind(kind, ctx, "the block profile", object, std::move(link), std::move(hooks));
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
