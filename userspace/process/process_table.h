// Snapshots of /proc/PID/maps and of who the process is (its namespaced pid
// and cgroups, process/process_identity.h), taken the first time the reader
// sees a pid, so a process that exits before its window closes can still be
// symbolized and labelled.
//
// Bounded: at most `capacity` pids are remembered; the least recently seen is
// forgotten first. Windows hold their own references to the snapshots they use,
// so eviction here never takes a snapshot away from an open window.
// A process that exec'd is read again (process/exec_events.h): windows that
// open after the exec name its new program.
// Used by the reader thread only; not thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "process/exec_events.h"

namespace profbufd {

class ProcessMaps;
struct ProcessIdentity;

class ProcessTable {
 public:
  struct Stats {
    std::uint64_t snapshots = 0;  // processes read (maps, status, cgroup)
    std::uint64_t vanished = 0;   // pids gone before their maps could be read
    std::uint64_t evicted = 0;
    std::uint64_t refreshed = 0;  // snapshots dropped because the process exec'd
  };

  // `execs`, when given, says which pids exec'd (process/exec_events.h): their
  // snapshots are read again at their next get().
  explicit ProcessTable(std::string procfs_root = "/proc", std::size_t capacity = 4096,
                        std::shared_ptr<ExecEvents> execs = nullptr);

  struct Snapshot {
    // Null when the process had already exited (or pid is 0, the idle task,
    // which has no maps).
    std::shared_ptr<const ProcessMaps> maps;
    std::shared_ptr<const ProcessIdentity> identity;  // null as maps is
  };

  // The snapshot for pid, reading /proc/PID/{maps,status,cgroup} if it is new.
  Snapshot get(std::uint32_t pid);

  std::size_t size() const { return entries_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  struct Entry {
    Snapshot snapshot;
    std::list<std::uint32_t>::iterator lru;
  };
  void forget_execs();

  std::string procfs_root_;
  std::size_t capacity_;
  std::shared_ptr<ExecEvents> execs_;
  std::unordered_map<std::uint32_t, Entry> entries_;
  std::list<std::uint32_t> lru_;  // front = most recently seen
  Stats stats_;
};

}  // namespace profbufd
