// The maps every kind's BPF program shares (bpf/record.bpf.h): the ring all
// records go through, the per-kind counters and the pid filter. Created here
// once; each kind's object is pointed at them with reuse_in() between its open
// and its load, so one loader drains every kind and one filter applies to all.
//
// Lifetime: the fds are owned here and closed on destruction. A loaded BPF
// object holds its own references to the maps, so the order in which the two
// go does not matter to the kernel.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "profbufd.h"

struct bpf_object;

namespace profbufd::capture {

class SharedMaps {
 public:
  // Map names, as the objects declare them (bpf/record.bpf.h).
  static constexpr const char* kRingName = "samples";
  static constexpr const char* kCountersName = "counters";
  static constexpr const char* kPidsName = "pids";

  // Creates the maps; `ringbuf_bytes` must be a power of two of at least a
  // page. Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise.
  static Result<SharedMaps> create(std::uint64_t ringbuf_bytes);

  SharedMaps(SharedMaps&&) = default;
  SharedMaps& operator=(SharedMaps&&) = default;

  int ring_fd() const { return ring_.get(); }
  std::uint64_t ringbuf_bytes() const { return ringbuf_bytes_; }

  // Makes every map of `obj` that carries one of the names above use these
  // instead of creating its own. Call after opening the object, before loading.
  Status reuse_in(bpf_object* obj) const;

  // Adds a tgid to the pid filter (the objects' filter_pids knob turns it on).
  Status add_pid(std::uint32_t pid);

  // The counters of `kind` (< PROFBUFD_MAX_KINDS), one per possible CPU (index
  // = CPU id). Empty when the map cannot be read.
  std::vector<profbufd_counters> counters(std::uint32_t kind) const;

 private:
  SharedMaps() = default;
  Fd ring_, counters_, pids_;
  std::uint64_t ringbuf_bytes_ = 0;
};

}  // namespace profbufd::capture
