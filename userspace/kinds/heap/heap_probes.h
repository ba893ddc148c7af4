// The heap kind's uprobes, attached per process on request: each acquire(pid)
// finds the libc the process maps (/proc/PID/maps, libc_path.h) and attaches
// the entry programs of its allocation calls (malloc, calloc, realloc,
// aligned_alloc, posix_memalign, valloc, pvalloc) to it for that pid only
// (bpf_program__attach_uprobe_opts with the pid); a request for in-use memory
// also attaches the return programs to those and the free program (a second
// set). Each set is shared by every request for the same
// pid and detached when the last Hold of it goes; with the in-use set go the
// pid's entries of heap_live (no free is seen after that: they would turn
// stale).
//
// Threads: acquire() on HTTP workers, several at once, and detach_all() on
// the capture's stopping thread meet under mu_; a set's links (capture::LinkSet)
// under its own (its last Hold's release and detach_all may race).
#pragma once

#include <bpf/libbpf.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "capture/link_set.h"
#include "common/fd.h"
#include "kinds/heap/heap_prober.h"

namespace profbufd::kinds::heap {

class HeapProbes final : public HeapProber {
 public:
  struct Programs {
    bpf_program* on_malloc = nullptr;
    bpf_program* on_calloc = nullptr;
    bpf_program* on_realloc = nullptr;
    bpf_program* on_free = nullptr;
    bpf_program* on_alloc_return = nullptr;
    bpf_program* on_aligned_alloc = nullptr;
    bpf_program* on_posix_memalign = nullptr;
    bpf_program* on_valloc = nullptr;  // valloc and pvalloc
    bpf_program* on_posix_memalign_return = nullptr;
  };
  struct Maps {
    int counters_fd = -1;  // heap_counters
    int live_fd = -1;      // heap_live
  };
  // `object` keeps the loaded BPF object (the programs) alive while any
  // probe exists; the map fds are duplicated. `proc` is procfs' mount.
  HeapProbes(Programs programs, std::shared_ptr<const void> object, Maps maps,
             std::string proc = "/proc");
  Hold acquire(std::uint32_t pid, bool in_use) override;
  profbufd_heap_counters counters() const override;
  std::vector<profbufd_heap_live> live(std::uint32_t pid) const override;
  // Detaches every probe now (the capture stops); later acquire()s refuse.
  void detach_all();

 private:
  struct Probe {
    bpf_program* prog;
    const char* func;
    bool retprobe;
  };
  // One set of a pid's probes, shared or attached now: the entries, or
  // (in_use) the returns and free.
  Hold shared(std::uint32_t pid, bool in_use);
  Hold attach(std::uint32_t pid, bool in_use);
  std::vector<Probe> probes(bool in_use) const;
  std::variant<std::string, Hold> libc_of(std::uint32_t pid, const std::string& what) const;

  const Programs programs_;
  const std::shared_ptr<const void> object_;
  Fd counters_fd_;
  std::shared_ptr<const Fd> live_fd_;  // shared with each in-use set's forgetting
  const std::string proc_;
  std::mutex mu_;
  // (pid, in_use) -> that set's links; guarded by mu_
  std::map<std::pair<std::uint32_t, bool>, std::weak_ptr<capture::LinkSet>> attached_;
  bool detached_ = false;  // guarded by mu_
};

}  // namespace profbufd::kinds::heap
