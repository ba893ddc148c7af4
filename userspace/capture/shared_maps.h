// The maps every kind's BPF program shares (bpf/record.bpf.h, bpf/unwind.bpf.h):
// the ring all records go through, the per-kind counters, the pid filter, and
// the user-stack walker's tables and requests. Created here once; each kind's
// object is pointed at them with reuse_in() between its open and its load, so
// one loader drains every kind, one filter applies to all, and one set of
// unwind tables serves them all.
//
// Lifetime: the fds are owned here and closed on destruction. A loaded BPF
// object holds its own references to the maps, so the order in which the two
// go does not matter to the kernel.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "profbufd.h"

struct bpf_object;

namespace profbufd::capture {

enum class SharedMap {
  kRing, kCounters, kPids,
  // The walker's (bpf/unwind.h).
  kUwProcs, kUwBins, kUwPages, kUwRows, kUwRules, kUwCounters, kUwEvents, kUwAsked,
  kUwDemand,
  kCount,
};

struct SharedMapSizes {
  std::uint64_t ringbuf_bytes = 4096;  // a power of two of at least a page
  // The walker's table pools; 0 when the walker is off (minimal maps).
  std::uint32_t uw_row_blocks = 0;
  std::uint32_t uw_page_entries = 0;
  std::uint32_t uw_rule_entries = 0;
};

class SharedMaps {
 public:
  // Creates the maps. Errors: kNoPrivilege for EPERM/EACCES, kBpfLoad otherwise.
  static Result<SharedMaps> create(const SharedMapSizes& sizes);

  SharedMaps(SharedMaps&&) = default;
  SharedMaps& operator=(SharedMaps&&) = default;

  int fd(SharedMap m) const { return fds_[static_cast<std::size_t>(m)].get(); }
  int ring_fd() const { return fd(SharedMap::kRing); }
  std::uint64_t ringbuf_bytes() const { return sizes_.ringbuf_bytes; }
  const SharedMapSizes& sizes() const { return sizes_; }

  // Makes every map of `obj` named as one of these use it instead of creating
  // its own. Call after opening the object, before loading.
  Status reuse_in(bpf_object* obj) const;

  // Adds a tgid to the pid filter (the objects' filter_pids knob turns it on).
  Status add_pid(std::uint32_t pid);

  // The counters of `kind` (< PROFBUFD_MAX_KINDS), one per possible CPU (index
  // = CPU id). Empty when the map cannot be read.
  std::vector<profbufd_counters> counters(std::uint32_t kind) const;

 private:
  SharedMaps() = default;
  std::array<Fd, static_cast<std::size_t>(SharedMap::kCount)> fds_;
  SharedMapSizes sizes_;
};

}  // namespace profbufd::capture
