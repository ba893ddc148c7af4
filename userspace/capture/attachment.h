// What a profile kind hands the capture once its BPF program is attached: the
// capture owns it and detaches it first when it stops, so that no record is
// written after the loader's last drain.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/error.h"

namespace profbufd::capture {

class SharedMaps;

class Attachment {
 public:
  virtual ~Attachment() = default;
  // Stops the kind's events. Idempotent; the destructor detaches too.
  virtual void detach() = 0;
  // Samples at `hz` from now on (SIGHUP reload); kinds that are not sampled
  // at a frequency ignore it. On an error the old frequency stays in force.
  virtual Status set_frequency(unsigned hz) {
    (void)hz;
    return ok_status();
  }
};

// An Attachment whose detach() (and destructor) calls `detach`, which must
// be idempotent: the handle of a kind whose programs something else owns
// (capture/program_links.h, the heap kind's probes, the goroutine iterators).
std::unique_ptr<Attachment> on_detach(std::function<void()> detach);

// What a kind needs to attach (kinds/<kind>/*_attach.cpp).
struct AttachContext {
  const SharedMaps& maps;
  const std::vector<int>& cpus;  // online CPUs, ascending
  // CO-RE BTF for libbpf's btf_custom_path (capture/core_btf.h); null: the
  // kernel's own.
  const char* btf_custom_path = nullptr;
  std::uint64_t wakeup_bytes = 0;  // the objects' wakeup_bytes knob
  // The objects' unwind_mode knob (bpf/unwind.bpf.h): 0 frame pointers, 1 tables
  // with a frame-pointer fallback, 2 tables only.
  std::uint8_t unwind_mode = 0;
  // The objects' python_walk knob (bpf/python.bpf.h): 1 reads the CPython
  // frames of processes the unwinder found running a known interpreter.
  std::uint8_t python_walk = 0;
  // Load only, and link while requests hold the kind (Kind::link_on_demand):
  // HTTP serves it, the run writes no files of it.
  bool on_demand = false;
};

}  // namespace profbufd::capture
