// The threadcreate kind: every task created on the machine, with its
// creator's stack (bpf/threadcreate.bpf.c), as Go's threadcreate profile
// describes thread creation:
//
//   sample_type  [threadcreate/count], default "threadcreate"
//   period_type  threadcreate/count, period 1
//   values       [tasks created from the stack]
//
// Each sample is labelled created=thread (the new task joined its creator's
// process) or created=process (fork, or a clone without CLONE_THREAD), so a
// fork storm and a thread pool churning apart are told apart.
//
// Records lost in the shared ring are "[lost: ringbuf_full]" samples like any
// kind's; the BPF side keeps no state, so it loses nothing else.
#pragma once

#include "kinds/kind.h"

namespace profbufd::kinds::threadcreate {

class ThreadcreateKind final : public Kind {
 public:
  std::uint16_t id() const override;
  std::string_view name() const override { return "threadcreate"; }
  ProfileShape shape() const override;
  // For sizing the ring: a busy machine creates tens of tasks a second per
  // CPU (shells, builds), a thread-per-request server or a fork storm
  // thousands. At 50 the ring (0.5 s of records) lost 6-9% of a 20 000
  // thread create-and-join loop (about 4 000 a second on 2 CPUs); 200 makes
  // the ring 1 MiB at 99 Hz on 2 CPUs. Past it, losses are counted.
  unsigned records_per_cpu_second() const override { return 200; }
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override;
  // created=thread|process.
  void labels(std::uint16_t flags, std::vector<Label>& out) const override;
};

}  // namespace profbufd::kinds::threadcreate
