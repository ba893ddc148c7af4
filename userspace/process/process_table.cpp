#include "process/process_table.h"

#include "process/proc_maps.h"

namespace profbufd {

ProcessTable::ProcessTable(std::string procfs_root, std::size_t capacity)
    : procfs_root_(std::move(procfs_root)), capacity_(capacity ? capacity : 1) {}

std::shared_ptr<const ProcessMaps> ProcessTable::get(std::uint32_t pid) {
  if (pid == 0) return nullptr;
  if (auto it = entries_.find(pid); it != entries_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.maps;
  }
  std::shared_ptr<const ProcessMaps> maps;
  auto snap = ProcessMaps::read(static_cast<int>(pid), procfs_root_);
  if (snap.ok()) {
    maps = std::make_shared<const ProcessMaps>(std::move(snap).value());
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
  entries_.emplace(pid, Entry{maps, lru_.begin()});
  return maps;
}

}  // namespace profbufd
