// The heap kind's uprobes, attached per process on request: each acquire(pid)
// finds the libc the process maps (/proc/PID/maps, libc_path.h) and attaches
// the malloc, calloc and realloc programs to it for that pid only
// (bpf_program__attach_uprobe_opts with the pid). The attachment is shared by
// every request for the same pid and detached when the last Hold of it goes.
//
// Threads: acquire() on HTTP workers, several at once, and detach_all() on
// the capture's stopping thread meet under mu_; a PidProbes' links under its
// own mutex (its destructor and detach_all may race).
#pragma once

#include <bpf/libbpf.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/fd.h"
#include "kinds/heap/heap_prober.h"

namespace profbufd::kinds::heap {

class PidProbes;

class HeapProbes final : public HeapProber {
 public:
  struct Programs {
    bpf_program* on_malloc = nullptr;
    bpf_program* on_calloc = nullptr;
    bpf_program* on_realloc = nullptr;
  };
  // `object` keeps the loaded BPF object (the programs) alive while any
  // probe exists; `counters_fd` is duplicated. `proc` is procfs' mount.
  HeapProbes(Programs programs, std::shared_ptr<const void> object, int counters_fd,
             std::string proc = "/proc");
  Hold acquire(std::uint32_t pid) override;
  profbufd_heap_counters counters() const override;
  // Detaches every probe now (the capture stops); later acquire()s refuse.
  void detach_all();

 private:
  Hold attach(std::uint32_t pid);

  const Programs programs_;
  const std::shared_ptr<const void> object_;
  Fd counters_fd_;
  const std::string proc_;
  std::mutex mu_;
  std::map<std::uint32_t, std::weak_ptr<PidProbes>> live_;  // guarded by mu_
  bool detached_ = false;                                   // guarded by mu_
};

}  // namespace profbufd::kinds::heap
