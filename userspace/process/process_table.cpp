#include "process/process_table.h"

#include "process/proc_maps.h"
#include "process/process_identity.h"

namespace profbufd {

ProcessTable::ProcessTable(std::string procfs_root, std::size_t capacity,
                           std::shared_ptr<ExecEvents> execs)
    : procfs_root_(std::move(procfs_root)), capacity_(capacity ? capacity : 1),
      execs_(std::move(execs)) {}

void ProcessTable::forget_execs() {
  if (!execs_) return;
  for (std::uint32_t pid : execs_->take()) {
    auto it = entries_.find(pid);
    if (it == entries_.end()) continue;
    lru_.erase(it->second.lru);
    entries_.erase(it);
    ++stats_.refreshed;
    execs_->refreshed_one();
  }
}

ProcessTable::Snapshot ProcessTable::get(std::uint32_t pid) {
  if (pid == 0) return {};
  forget_execs();
  if (auto it = entries_.find(pid); it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.snapshot;
  }
  Snapshot snapshot;
  auto maps = ProcessMaps::read(static_cast<int>(pid), procfs_root_);
  if (maps.ok()) {
    snapshot.maps = std::make_shared<const ProcessMaps>(std::move(maps).value());
    // After the maps: a process whose maps were read is one worth labelling.
    snapshot.identity =
        std::make_shared<const ProcessIdentity>(read_process_identity(pid, procfs_root_));
    ++stats_.snapshots;
  } else {
    ++stats_.vanished;  // remembered as null: no re-read per sample
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
    ++stats_.evicted;
  }
  lru_.push_front(pid);
  entries_.emplace(pid, Entry{snapshot, lru_.begin()});
  return snapshot;
}

}  // namespace profbufd
