// The maps every kind's BPF program shares (bpf/record.bpf.h): the ring all
// records go through, the per-kind counters, and the filters (the settings
// value, the pid set, the cgroup array). Created here once; each kind's object
// is pointed at them with reuse_in() between its open and its load, so one
// loader drains every kind and one set of filters applies to all.
//
// The filters can be replaced at any time (set_filters), while programs run:
// that is why they are map contents and not .rodata knobs.
//
// Lifetime: the fds are owned here and closed on destruction. A loaded BPF
// object holds its own references to the maps, so the order in which the two
// go does not matter to the kernel.
#pragma once

#include <cstdint>
#include <span>
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
  static constexpr const char* kSettingsName = "settings";
  static constexpr const char* kCgroupsName = "cgroup_filter";

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

  Fd ring_, counters_, pids_, settings_, cgroups_;
  std::uint64_t ringbuf_bytes_ = 0;
  std::vector<std::uint32_t> pids_in_map_;  // what pids_ holds now
  std::uint32_t cgroups_in_map_ = 0;         // entries 0 .. n-1 of cgroups_ are set
};

}  // namespace profbufd::capture
