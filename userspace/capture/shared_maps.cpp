#include "capture/shared_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "python.h"
#include "unwind.h"

namespace profbufd::capture {
namespace {

Error map_error(const std::string& what, int err) {
  err = err < 0 ? -err : err;
  if (err == EPERM || err == EACCES)
    return make_error(ExitCode::kNoPrivilege, what, std::strerror(err),
                      "run as root or grant CAP_BPF and CAP_PERFMON");
  return make_error(ExitCode::kBpfLoad, what, std::strerror(err));
}

struct MapSpec {
  SharedMap which;
  const char* object_name;  // as bpf/*.bpf.h declares it
  const char* kernel_name;  // what bpftool shows (at most 15 characters)
  bpf_map_type type;
  std::uint32_t key, value, entries, flags;
};

std::vector<MapSpec> specs(const SharedMapSizes& s) {
  const auto u32 = static_cast<std::uint32_t>(sizeof(std::uint32_t));
  return {
      {SharedMap::kRing, "samples", "profbufd_ring", BPF_MAP_TYPE_RINGBUF, 0, 0,
       static_cast<std::uint32_t>(s.ringbuf_bytes), 0},
      {SharedMap::kCounters, "counters", "profbufd_count", BPF_MAP_TYPE_PERCPU_ARRAY, u32,
       sizeof(profbufd_counters), PROFBUFD_MAX_KINDS, 0},
      {SharedMap::kPids, "pids", "profbufd_pids", BPF_MAP_TYPE_HASH, u32, 1, PROFBUFD_MAX_PIDS, 0},
      {SharedMap::kSettings, "settings", "profbufd_set", BPF_MAP_TYPE_ARRAY, u32,
       sizeof(profbufd_settings), 1, 0},
      {SharedMap::kCgroups, "cgroup_filter", "profbufd_cgrp", BPF_MAP_TYPE_CGROUP_ARRAY, u32, u32,
       PROFBUFD_MAX_CGROUPS, 0},
      {SharedMap::kCgroupIds, "cgroup_filter_ids", "profbufd_cgid", BPF_MAP_TYPE_ARRAY, u32,
       sizeof(std::uint64_t), PROFBUFD_MAX_CGROUPS, 0},
      {SharedMap::kUwProcs, "uw_procs", "profbufd_uwproc", BPF_MAP_TYPE_HASH, u32,
       sizeof(uw_proc), UW_MAX_PROCS, BPF_F_NO_PREALLOC},
      {SharedMap::kUwBins, "uw_bins", "profbufd_uwbin", BPF_MAP_TYPE_ARRAY, u32, sizeof(uw_bin),
       UW_MAX_BINS, 0},
      {SharedMap::kUwPages, "uw_pages", "profbufd_uwpage", BPF_MAP_TYPE_ARRAY, u32,
       sizeof(uw_page), std::max<std::uint32_t>(s.uw_page_entries, 1), 0},
      {SharedMap::kUwRows, "uw_rows", "profbufd_uwrows", BPF_MAP_TYPE_ARRAY, u32,
       sizeof(uw_block), std::max<std::uint32_t>(s.uw_row_blocks, 1), 0},
      {SharedMap::kUwRules, "uw_rules", "profbufd_uwrule", BPF_MAP_TYPE_ARRAY, u32,
       sizeof(uw_rule), std::max<std::uint32_t>(s.uw_rule_entries, 1), 0},
      {SharedMap::kUwCounters, "uw_counters", "profbufd_uwcnt", BPF_MAP_TYPE_PERCPU_ARRAY, u32,
       sizeof(uw_counters), 1, 0},
      {SharedMap::kUwEvents, "uw_events", "profbufd_uwevt", BPF_MAP_TYPE_RINGBUF, 0, 0,
       64 * 1024, 0},
      {SharedMap::kUwDemand, "uw_demand", "profbufd_uwwant", BPF_MAP_TYPE_ARRAY, u32,
       sizeof(std::uint64_t), UW_MAX_BINS, BPF_F_MMAPABLE},
      {SharedMap::kUwAsked, "uw_asked", "profbufd_uwask", BPF_MAP_TYPE_LRU_HASH, u32,
       sizeof(std::uint64_t), 4096, 0},
      {SharedMap::kPyProcs, "py_procs", "profbufd_pyproc", BPF_MAP_TYPE_HASH, u32,
       sizeof(py_proc), PY_MAX_PROCS, BPF_F_NO_PREALLOC},
      {SharedMap::kPyThreads, "py_threads", "profbufd_pythr", BPF_MAP_TYPE_LRU_HASH, u32,
       sizeof(py_thread), PY_MAX_TSTATES, 0},
      {SharedMap::kPyCounters, "py_counters", "profbufd_pycnt", BPF_MAP_TYPE_PERCPU_ARRAY, u32,
       sizeof(py_counters), 1, 0},
  };
}

}  // namespace

Result<SharedMaps> SharedMaps::create(const SharedMapSizes& sizes) {
  SharedMaps m;
  m.sizes_ = sizes;
  for (const MapSpec& s : specs(sizes)) {
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = s.flags);
    const int fd = bpf_map_create(s.type, s.kernel_name, s.key, s.value, s.entries, &opts);
    if (fd < 0) return map_error(std::string("creating the BPF map ") + s.object_name, fd);
    m.fds_[static_cast<std::size_t>(s.which)] = Fd(fd);
  }
  return m;
}

Status SharedMaps::reuse_in(bpf_object* obj) const {
  const std::vector<MapSpec> all = specs(sizes_);
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    const char* name = bpf_map__name(map);
    const auto it = std::find_if(all.begin(), all.end(), [&](const MapSpec& s) {
      return std::strcmp(name, s.object_name) == 0;
    });
    if (it == all.end()) continue;
    if (int err = bpf_map__reuse_fd(map, fd(it->which)); err != 0)
      return map_error(std::string("sharing the BPF map ") + name, err);
  }
  return ok_status();
}

Status SharedMaps::write_settings(std::uint32_t filters, std::uint32_t cgroups) {
  const std::uint32_t zero = 0;
  const profbufd_settings value{filters, cgroups};
  if (bpf_map_update_elem(fd(SharedMap::kSettings), &zero, &value, BPF_ANY) != 0)
    return map_error("updating the BPF filter settings", errno);
  return ok_status();
}

Status SharedMaps::set_filters(std::span<const std::uint32_t> pids,
                               std::span<const int> cgroup_fds) {
  if (pids.size() > PROFBUFD_MAX_PIDS || cgroup_fds.size() > PROFBUFD_MAX_CGROUPS)
    return make_error(ExitCode::kUsage, "filters",
                      std::to_string(pids.size()) + " pids and " +
                          std::to_string(cgroup_fds.size()) + " cgroups",
                      "at most " + std::to_string(PROFBUFD_MAX_PIDS) + " and " +
                          std::to_string(PROFBUFD_MAX_CGROUPS));
  // Grow: the new entries go in beside the old ones.
  const std::uint8_t one = 1;
  for (std::uint32_t pid : pids)
    if (bpf_map_update_elem(fd(SharedMap::kPids), &pid, &one, BPF_ANY) != 0)
      return map_error("adding pid " + std::to_string(pid) + " to the BPF filter", errno);
  for (std::uint32_t i = 0; i < cgroup_fds.size(); ++i) {
    const auto cgroup_fd = static_cast<std::uint32_t>(cgroup_fds[i]);
    if (bpf_map_update_elem(fd(SharedMap::kCgroups), &i, &cgroup_fd, BPF_ANY) != 0)
      return map_error("adding a cgroup to the BPF filter", errno);
    // A cgroup v2 directory's inode number is its kernfs id.
    struct stat st {};
    if (fstat(cgroup_fds[i], &st) != 0) return map_error("reading a filtered cgroup's id", errno);
    const std::uint64_t id = st.st_ino;
    if (bpf_map_update_elem(fd(SharedMap::kCgroupIds), &i, &id, BPF_ANY) != 0)
      return map_error("adding a cgroup id to the BPF filter", errno);
  }
  // Switch.
  std::uint32_t filters = 0;
  if (!pids.empty()) filters |= PROFBUFD_FILTER_PIDS;
  if (!cgroup_fds.empty()) filters |= PROFBUFD_FILTER_CGROUPS;
  const auto ncgroups = static_cast<std::uint32_t>(cgroup_fds.size());
  if (Status s = write_settings(filters, ncgroups); !s) return s;
  // Shrink: what is no longer pointed at goes. A failure here leaves an
  // unused entry behind, never a wrong filter.
  for (std::uint32_t old : pids_in_map_)
    if (std::find(pids.begin(), pids.end(), old) == pids.end())
      bpf_map_delete_elem(fd(SharedMap::kPids), &old);
  for (std::uint32_t i = ncgroups; i < cgroups_in_map_; ++i)
    bpf_map_delete_elem(fd(SharedMap::kCgroups), &i);
  pids_in_map_.assign(pids.begin(), pids.end());
  cgroups_in_map_ = ncgroups;
  return ok_status();
}

std::vector<profbufd_counters> SharedMaps::counters(std::uint32_t kind) const {
  const int possible = libbpf_num_possible_cpus();
  if (possible <= 0 || kind >= PROFBUFD_MAX_KINDS) return {};
  // One lookup returns every CPU's copy of the PERCPU_ARRAY slot.
  std::vector<profbufd_counters> per_cpu(static_cast<std::size_t>(possible));
  if (bpf_map_lookup_elem(fd(SharedMap::kCounters), &kind, per_cpu.data()) != 0) return {};
  return per_cpu;
}

}  // namespace profbufd::capture
