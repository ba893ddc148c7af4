#include "capture/shared_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

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
  m.ring_ = std::move(ring).value();
  m.counters_ = std::move(counters).value();
  m.pids_ = std::move(pids).value();
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
    if (fd < 0) continue;
    if (int err = bpf_map__reuse_fd(map, fd); err != 0)
      return map_error(std::string("sharing the BPF map ") + name, err);
  }
  return ok_status();
}

Status SharedMaps::add_pid(std::uint32_t pid) {
  const std::uint8_t one = 1;
  if (bpf_map_update_elem(pids_.get(), &pid, &one, BPF_ANY) != 0)
    return map_error("adding pid " + std::to_string(pid) + " to the BPF filter", errno);
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
