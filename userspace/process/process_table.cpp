#include "process/process_table.h"

#include <algorithm>

#include "process/proc_maps.h"
#include "process/process_identity.h"

namespace profbufd {

ProcessTable::ProcessTable(std::string procfs_root, std::size_t capacity,
                           std::shared_ptr<ProcessEnds> ends, const Clock& clock)
    : procfs_root_(std::move(procfs_root)), capacity_(capacity ? capacity : 1),
      ends_(std::move(ends)), clock_(clock) {}

void ProcessTable::apply_ends() {
  if (!ends_) return;
  for (const ProcessEnds::End& end : ends_->take()) {
    auto it = entries_.find(end.pid);
    if (it != entries_.end()) {
      apply(it->second, end);
    } else if (end.why == ProcessEnds::Why::kExec) {
      // Never looked up yet, but its records from before the exec may still
      // be on their way: they must not be named from the new program.
      Entry& e = insert(end.pid);
      e.gens.push_back(ended(end));
      e.ends = 1;
    }
    // An exit of a pid never looked up: a read for its late records finds it
    // gone (or, if the pid was taken again within that instant, its successor).
  }
}

// Ends come in time order for a pid: each program's end follows the one before.
void ProcessTable::apply(Entry& e, const ProcessEnds::End& end) {
  Generation& last = e.gens.back();
  if (last.end_ns == kLive) {
    // A read that found the process gone is explained by this end, whenever
    // it came; a read after the end saw the successor, and the records before
    // the end have no snapshot.
    if (!last.snapshot.maps || last.read_ns <= end.time_ns) {
      last.end_ns = end.time_ns;
      last.why = end.why;
      ++e.ends;
      return;
    }
    if (e.gens.size() > 1 && e.gens[e.gens.size() - 2].end_ns >= end.time_ns) return;
    e.gens.insert(e.gens.end() - 1, ended(end));
    ++e.ends;
  } else if (end.time_ns > last.end_ns) {
    // Two ends with no read between (an exec, then the new program's exit).
    e.gens.push_back(ended(end));
    ++e.ends;
  } else {
    return;  // a repeat (two threads' exits both reported the last)
  }
  trim(e);
}

ProcessTable::Generation ProcessTable::ended(const ProcessEnds::End& end) {
  Generation g;
  g.end_ns = end.time_ns;
  g.why = end.why;
  return g;
}

void ProcessTable::trim(Entry& e) {
  while (e.gens.size() > kMaxGenerations) {
    e.forgotten_end = e.gens.front().end_ns;
    e.gens.erase(e.gens.begin());
  }
}

ProcessTable::Generation ProcessTable::read(std::uint32_t pid) {
  // Stamped before the read: an exec that lands during it counts as after
  // (the read may have seen either program; the next window reads again).
  Generation g;
  g.read_ns = clock_.monotonic_ns();
  auto maps = ProcessMaps::read(static_cast<int>(pid), procfs_root_);
  if (maps.ok()) {
    g.snapshot.maps = std::make_shared<const ProcessMaps>(std::move(maps).value());
    // After the maps: a process whose maps were read is one worth labelling.
    g.snapshot.identity =
        std::make_shared<const ProcessIdentity>(read_process_identity(pid, procfs_root_));
    ++stats_.snapshots;
  } else {
    ++stats_.vanished;  // remembered as null: no re-read per window
  }
  return g;
}

ProcessTable::Entry& ProcessTable::insert(std::uint32_t pid) {
  if (entries_.size() >= capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
    ++stats_.evicted;
  }
  lru_.push_front(pid);
  Entry e;
  e.lru = lru_.begin();
  return entries_.emplace(pid, std::move(e)).first->second;
}

std::uint16_t ProcessTable::epoch(std::uint32_t pid, std::uint64_t time_ns) const {
  const auto it = entries_.find(pid);
  if (it == entries_.end()) return 0;
  const Entry& e = it->second;
  std::uint64_t after = 0;  // ends kept at or after time_ns
  for (const Generation& g : e.gens)
    if (g.end_ns != kLive && g.end_ns >= time_ns) ++after;
  // Older than every end kept: as many earlier ones as were forgotten, which
  // get() leaves unnamed anyway.
  return static_cast<std::uint16_t>(e.ends - std::min(after, e.ends));
}

ProcessTable::Snapshot ProcessTable::get(std::uint32_t pid, std::uint64_t time_ns) {
  if (pid == 0) return {};
  apply_ends();
  auto it = entries_.find(pid);
  if (it == entries_.end()) {
    Entry& e = insert(pid);
    e.gens.push_back(read(pid));
    return e.gens.back().snapshot;
  }
  Entry& e = it->second;
  lru_.splice(lru_.begin(), lru_, e.lru);
  if (time_ns <= e.forgotten_end) {
    ++stats_.unplaced;
    ends_->missing_one(ProcessEnds::Missing::kOlderThanKept);  // only ends drop generations
    return {};
  }
  for (const Generation& g : e.gens) {
    if (time_ns > g.end_ns) continue;
    if (g.read_ns == 0) {  // a placeholder: only ends make them
      ++stats_.unread;
      ends_->missing_one(ProcessEnds::Missing::kEndedUnread);
    }
    return g.snapshot;
  }
  // Past the newest end: the next program under the pid.
  const ProcessEnds::Why why = e.gens.back().why;
  e.gens.push_back(read(pid));
  trim(e);
  ++(why == ProcessEnds::Why::kExec ? stats_.refreshed : stats_.reused);
  if (ends_) ends_->refreshed_one(why);
  return e.gens.back().snapshot;
}

}  // namespace profbufd
