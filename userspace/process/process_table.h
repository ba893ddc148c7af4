// Snapshots of /proc/PID/maps and of who the process is (its namespaced pid
// and cgroups, process/process_identity.h), taken the first time the reader
// sees a pid, so a process that exits before its window closes can still be
// symbolized and labelled.
//
// A pid runs one program after another: the execs of one process, then, once
// it exits, whatever process takes the pid next (a fork that never execs
// included). Told of each end and its time (process/process_ends.h), the table
// keeps a generation per program: a record is looked up by its pid and time,
// and one after the newest end has the pid read again. Without ends (no
// unwinder: nobody reports them) the first snapshot of a pid stays until
// evicted.
//
// Bounded: at most `capacity` pids, the least recently seen forgotten first,
// and kMaxGenerations programs per pid. Windows hold their own references to
// the snapshots they use, so eviction never takes one from an open window.
// Used by the reader thread only; not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "process/process_ends.h"

namespace profbufd {

class ProcessMaps;
struct ProcessIdentity;

class ProcessTable {
 public:
  static constexpr std::size_t kMaxGenerations = 4;

  struct Stats {
    std::uint64_t snapshots = 0;  // processes read (maps, status, cgroup)
    std::uint64_t vanished = 0;   // pids gone before their maps could be read
    std::uint64_t evicted = 0;
    std::uint64_t refreshed = 0;  // read again for records after an exec
    std::uint64_t reused = 0;     // read again for records after an exit: a reused pid
    // Records older than every generation kept for their pid: left unnamed
    // rather than named from a later program.
    std::uint64_t unplaced = 0;
    // Records of a program that ended before its pid was read: unnamed too.
    std::uint64_t unread = 0;
  };

  // `ends`, when given, reports the execs and exits of pids (process_ends.h);
  // `clock` stamps each read, to tell whether it came before or after an end.
  explicit ProcessTable(std::string procfs_root = "/proc", std::size_t capacity = 4096,
                        std::shared_ptr<ProcessEnds> ends = nullptr,
                        const Clock& clock = SystemClock::instance());

  struct Snapshot {
    // Null when the process had already exited (or pid is 0, the idle task,
    // which has no maps).
    std::shared_ptr<const ProcessMaps> maps;
    std::shared_ptr<const ProcessIdentity> identity;  // null as maps is
  };

  // The snapshot of the program pid ran at time_ns (CLOCK_MONOTONIC, a
  // record's time), reading /proc/PID/{maps,status,cgroup} if no generation
  // covers that time yet.
  Snapshot get(std::uint32_t pid, std::uint64_t time_ns);

  // Takes the ends reported since the last call (get() does too). The reader
  // calls it once per drain, before it asks for epochs.
  void sync() { apply_ends(); }
  // Which of pid's programs ran at time_ns, as far as the ends taken so far
  // tell: the number of its ends before that time (0: the first program seen,
  // or no end known). It splits a window's records of one pid into one set per
  // program (core/window.h ProcessKey), each then named from get() at its
  // earliest record's time. An end heard after records past it were counted
  // leaves those records with the epoch before it: named as the program
  // before, as they were before epochs. Counts restart when a pid's entry is
  // evicted. Reads nothing from /proc, and creates no entry.
  std::uint16_t epoch(std::uint32_t pid, std::uint64_t time_ns) const;

  std::size_t size() const { return entries_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  static constexpr std::uint64_t kLive = std::numeric_limits<std::uint64_t>::max();
  struct Generation {
    std::uint64_t read_ns = 0;   // when /proc was read (0: never, a placeholder)
    std::uint64_t end_ns = kLive;  // the program's end; kLive while none is known
    ProcessEnds::Why why = ProcessEnds::Why::kExit;  // of the end, once known
    Snapshot snapshot;
  };
  struct Entry {
    std::vector<Generation> gens;  // oldest first; only the last may be live
    std::uint64_t forgotten_end = 0;  // the end of the newest generation dropped
    std::uint64_t ends = 0;  // ends recorded, forgotten ones included (epoch())
    std::list<std::uint32_t>::iterator lru;
  };

  void apply_ends();
  static void apply(Entry& e, const ProcessEnds::End& end);
  static void trim(Entry& e);
  // A placeholder: a program that ended at `end` and was never read.
  static Generation ended(const ProcessEnds::End& end);
  Generation read(std::uint32_t pid);
  Entry& insert(std::uint32_t pid);

  std::string procfs_root_;
  std::size_t capacity_;
  std::shared_ptr<ProcessEnds> ends_;
  const Clock& clock_;
  std::unordered_map<std::uint32_t, Entry> entries_;
  std::list<std::uint32_t> lru_;  // front = most recently seen
  Stats stats_;
};

}  // namespace profbufd
