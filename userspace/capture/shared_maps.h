// The maps every kind's BPF program shares (bpf/record.bpf.h, bpf/unwind.bpf.h):
// the ring all records go through, the per-kind counters, the filters (the
// settings value, the pid set, the cgroup array and its cgroups' ids), and
// the user-stack walker's tables and requests. Created here once; each
// kind's object is pointed at them with reuse_in() between its open and its
// load, so one loader drains every kind, one set of filters applies to all,
// and one set of unwind tables serves them all.
//
// The filters can be replaced at any time (set_filters), while programs run:
// that is why they are map contents and not .rodata knobs.
//
// Lifetime: the fds are owned here and closed on destruction. A loaded BPF
// object holds its own references to the maps, so the order in which the two
// go does not matter to the kernel.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "profbufd.h"

struct bpf_object;

namespace profbufd::capture {

enum class SharedMap {
  kRing, kCounters, kPids, kSettings, kCgroups, kCgroupIds,
  // The walker's (bpf/unwind.h).
  kUwProcs, kUwBins, kUwPages, kUwRows, kUwRules, kUwCounters, kUwEvents, kUwAsked,
  kUwDemand,
  // The Python walker's (bpf/python.h).
  kPyProcs, kPyThreads, kPyCounters,
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

  // Replaces the filters: keep records of these tgids (at most
  // PROFBUFD_MAX_PIDS) or of tasks under these cgroups (open cgroup v2
  // directory fds, at most PROFBUFD_MAX_CGROUPS; the map takes its own
  // reference, the caller may close them after). Both empty: keep everything.
  //
  // Order: the new entries go in first, then `settings` switches to them,
  // then the old ones no longer wanted go. The programs run meanwhile, so a
  // record judged during the change (microseconds) may meet a mix of old and
  // new filters; none is judged by anything else. On an error the settings
  // value is left as it was.
  Status set_filters(std::span<const std::uint32_t> pids, std::span<const int> cgroup_fds);

  // The counters of `kind` (< PROFBUFD_MAX_KINDS), one per possible CPU (index
  // = CPU id). Empty when the map cannot be read.
  std::vector<profbufd_counters> counters(std::uint32_t kind) const;

 private:
  SharedMaps() = default;
  Status write_settings(std::uint32_t filters, std::uint32_t cgroups);

  std::array<Fd, static_cast<std::size_t>(SharedMap::kCount)> fds_;
  SharedMapSizes sizes_;
  std::vector<std::uint32_t> pids_in_map_;  // what the pid set holds now
  std::uint32_t cgroups_in_map_ = 0;         // entries 0 .. n-1 of the cgroup array are set
};

}  // namespace profbufd::capture
