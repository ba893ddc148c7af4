#include "capture/shared_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace profbufd::capture {
namespace {

Error map_error(const std::string& what, int err) {
  err = err < 0 ? -err : err;
  if (err == EPERM || err == EACCES)
    return make_error(ExitCode::kNoPrivilege, what, std::strerror(err),
                      "run as root or grant CAP_BPF and CAP_PERFMON");
  return make_error(ExitCode::kBpfLoad, what, std::strerror(err));
}

Result<Fd> create_map(bpf_map_type type, const char* name, std::uint32_t key,
                      std::uint32_t value, std::uint32_t entries) {
  const int fd = bpf_map_create(type, name, key, value, entries, nullptr);
  if (fd < 0) return map_error(std::string("creating the BPF map ") + name, fd);
  return Fd(fd);
}

}  // namespace

Result<SharedMaps> SharedMaps::create(std::uint64_t ringbuf_bytes) {
  SharedMaps m;
  m.ringbuf_bytes_ = ringbuf_bytes;
  auto ring = create_map(BPF_MAP_TYPE_RINGBUF, "profbufd_ring", 0, 0,
                         static_cast<std::uint32_t>(ringbuf_bytes));
  if (!ring) return ring.error();
  auto counters = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, "profbufd_count", sizeof(std::uint32_t),
                             sizeof(profbufd_counters), PROFBUFD_MAX_KINDS);
  if (!counters) return counters.error();
  auto pids = create_map(BPF_MAP_TYPE_HASH, "profbufd_pids", sizeof(std::uint32_t),
                         sizeof(std::uint8_t), PROFBUFD_MAX_PIDS);
  if (!pids) return pids.error();
  auto settings = create_map(BPF_MAP_TYPE_ARRAY, "profbufd_set", sizeof(std::uint32_t),
                             sizeof(profbufd_settings), 1);
  if (!settings) return settings.error();
  auto cgroups = create_map(BPF_MAP_TYPE_CGROUP_ARRAY, "profbufd_cgrp", sizeof(std::uint32_t),
                            sizeof(std::uint32_t), PROFBUFD_MAX_CGROUPS);
  if (!cgroups) return cgroups.error();
  m.ring_ = std::move(ring).value();
  m.counters_ = std::move(counters).value();
  m.pids_ = std::move(pids).value();
  m.settings_ = std::move(settings).value();
  m.cgroups_ = std::move(cgroups).value();
  return m;
}

Status SharedMaps::reuse_in(bpf_object* obj) const {
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    const char* name = bpf_map__name(map);
    int fd = -1;
    if (std::strcmp(name, kRingName) == 0) fd = ring_.get();
    if (std::strcmp(name, kCountersName) == 0) fd = counters_.get();
    if (std::strcmp(name, kPidsName) == 0) fd = pids_.get();
    if (std::strcmp(name, kSettingsName) == 0) fd = settings_.get();
    if (std::strcmp(name, kCgroupsName) == 0) fd = cgroups_.get();
    if (fd < 0) continue;
    if (int err = bpf_map__reuse_fd(map, fd); err != 0)
      return map_error(std::string("sharing the BPF map ") + name, err);
  }
  return ok_status();
}

Status SharedMaps::write_settings(std::uint32_t filters, std::uint32_t cgroups) {
  const std::uint32_t zero = 0;
  const profbufd_settings value{filters, cgroups};
  if (bpf_map_update_elem(settings_.get(), &zero, &value, BPF_ANY) != 0)
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
    if (bpf_map_update_elem(pids_.get(), &pid, &one, BPF_ANY) != 0)
      return map_error("adding pid " + std::to_string(pid) + " to the BPF filter", errno);
  for (std::uint32_t i = 0; i < cgroup_fds.size(); ++i) {
    const auto fd = static_cast<std::uint32_t>(cgroup_fds[i]);
    if (bpf_map_update_elem(cgroups_.get(), &i, &fd, BPF_ANY) != 0)
      return map_error("adding a cgroup to the BPF filter", errno);
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
      bpf_map_delete_elem(pids_.get(), &old);
  for (std::uint32_t i = ncgroups; i < cgroups_in_map_; ++i)
    bpf_map_delete_elem(cgroups_.get(), &i);
  pids_in_map_.assign(pids.begin(), pids.end());
  cgroups_in_map_ = ncgroups;
  return ok_status();
}

std::vector<profbufd_counters> SharedMaps::counters(std::uint32_t kind) const {
  const int possible = libbpf_num_possible_cpus();
  if (possible <= 0 || kind >= PROFBUFD_MAX_KINDS) return {};
  // One lookup returns every CPU's copy of the PERCPU_ARRAY slot.
  std::vector<profbufd_counters> per_cpu(static_cast<std::size_t>(possible));
  if (bpf_map_lookup_elem(counters_.get(), &kind, per_cpu.data()) != 0) return {};
  return per_cpu;
}

}  // namespace profbufd::capture
