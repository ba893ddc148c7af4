#include "unwind/process_publisher.h"

#include <algorithm>
#include <memory>

namespace profbufd::unwind {

ProcessPublisher::ProcessPublisher(MapIo& io, TableStore& store, BinaryIndex& binaries,
                                   std::string procfs_root)
    : io_(io), store_(store), binaries_(binaries), procfs_root_(std::move(procfs_root)) {}

std::uint32_t ProcessPublisher::bin_of(const BinaryInfo& info, const TableBuild& build,
                                       std::vector<TableBuild>& builds) {
  bool fresh = false;
  const std::optional<std::uint32_t> bin = store_.bin(info.key, fresh);
  if (!bin) return 0;  // every bin id is in use by live processes: frame pointers
  // PENDING too: the unwinder keeps one build per binary and takes this
  // process's mapping for it, in case the process that asked first is gone.
  const uw_bin_state state = store_.state(*bin);
  if (fresh || state == UW_BIN_EVICTED || state == UW_BIN_PENDING) {
    TableBuild b = build;
    b.bin = *bin;
    b.key = info.key;
    builds.push_back(std::move(b));
  }
  return *bin;
}

uw_map ProcessPublisher::map_of(std::uint32_t pid, const MapEntry& m,
                                std::vector<TableBuild>& builds) {
  uw_map out{};
  out.start = m.start;
  out.end = m.end;
  if (m.path == "[vdso]") {
    const std::optional<BinaryInfo>& vdso = binaries_.vdso();
    const auto bias = vdso ? vdso->layout.load_bias(m.start, 0) : std::nullopt;
    if (bias) {
      out.bias = *bias;
      out.bin = bin_of(*vdso, TableBuild{0, {}, pid, m, true}, builds);
    }
    return out;
  }
  if (!m.is_file()) return out;  // anonymous or special: frame pointers only
  auto info = binaries_.file(pid, m);
  if (!info) {
    ++stats_.unreadable_binaries;
    return out;
  }
  const auto bias = info->layout.load_bias(m.start, m.offset);
  if (!bias) return out;
  out.bias = *bias;
  out.bin = bin_of(*info, TableBuild{0, {}, pid, m, false}, builds);
  return out;
}

Status ProcessPublisher::collect(std::uint32_t pid, uw_proc& proc,
                                 std::vector<std::uint32_t>& bins,
                                 std::vector<TableBuild>& builds, ProcessMaps* maps_out) {
  auto maps = ProcessMaps::read(static_cast<int>(pid), procfs_root_);
  if (!maps) {
    ++stats_.vanished;
    return maps.error();
  }
  for (const MapEntry& m : maps->entries()) {
    if (proc.n == UW_MAX_MAPS) {
      ++stats_.too_many_mappings;
      break;
    }
    const uw_map um = map_of(pid, m, builds);
    proc.m[proc.n++] = um;
    if (um.bin != 0) bins.push_back(um.bin);
  }
  if (maps_out != nullptr) *maps_out = std::move(maps).value();
  return ok_status();
}

Status ProcessPublisher::publish(std::uint32_t pid, std::uint64_t start_time,
                                 std::vector<TableBuild>& builds, ProcessMaps* maps_out) {
  auto proc = std::make_unique<uw_proc>();  // 8 KiB: on the heap, not the stack
  proc->start_time = start_time;
  std::vector<std::uint32_t> bins;
  if (Status s = collect(pid, *proc, bins, builds, maps_out); !s) return s;
  if (Status s = io_.put_proc(pid, *proc); !s) return s;
  ++stats_.published;
  for (std::uint32_t b : bins) store_.ref(b);
  forget(pid, false);  // the references of what was published before
  bins_of_[pid] = std::move(bins);
  return ok_status();
}

void ProcessPublisher::forget(std::uint32_t pid, bool remove) {
  auto it = bins_of_.find(pid);
  if (it == bins_of_.end()) return;
  for (std::uint32_t b : it->second) store_.unref(b);
  bins_of_.erase(it);
  if (remove) (void)io_.delete_proc(pid);
}

std::vector<std::uint32_t> ProcessPublisher::pids() const {
  std::vector<std::uint32_t> out;
  out.reserve(bins_of_.size());
  for (const auto& [pid, bins] : bins_of_) out.push_back(pid);
  return out;
}

}  // namespace profbufd::unwind
