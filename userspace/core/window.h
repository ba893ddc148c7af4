// One aggregation window of one profile kind: every record of that kind whose
// time falls in [start, end) (CLOCK_MONOTONIC ns, the clock of
// bpf_ktime_get_ns), aggregated, plus what was lost meanwhile.
//
// The reader thread is the only writer while the window is open; once the
// reader hands it over (closed), it is only read. The hand-over goes through
// the reader's mutex, which orders the two.
//
// A closed window is self-contained: task names are copied in (tasks), and
// process maps are shared snapshots, so it outlives the capture that fed it.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/record.h"
#include "core/stack_table.h"
#include "core/window_books.h"

namespace profbufd {

class ProcessMaps;
struct ProcessIdentity;

inline constexpr std::uint64_t kOpenEnded = std::numeric_limits<std::uint64_t>::max();

// One program that a pid ran in a window: the pid, and its epoch
// (ProcessTable::epoch, StackTable::task_word) above it. A pid that ran one
// program has the pid itself as its key.
using ProcessKey = std::uint64_t;
constexpr ProcessKey process_key(std::uint32_t pid, std::uint16_t epoch) {
  return std::uint64_t{pid} | std::uint64_t{epoch} << 32;
}
constexpr std::uint32_t key_pid(ProcessKey k) { return static_cast<std::uint32_t>(k); }
constexpr std::uint16_t key_epoch(ProcessKey k) { return static_cast<std::uint16_t>(k >> 32); }
// The key of a StackTable entry's process.
inline ProcessKey process_key_of(std::span<const std::uint64_t> key) {
  return process_key(static_cast<std::uint32_t>(key[StackTable::kPidTidWord]),
                     StackTable::task_epoch(key[StackTable::kTaskWord]));
}

struct Window {
  Window(std::uint16_t kind, std::size_t accumulators, std::uint64_t start_ns,
         std::uint64_t end_ns, std::size_t ncpus)
      : kind(kind), start_ns(start_ns), end_ns(end_ns), stacks(accumulators),
        records_by_cpu(ncpus, 0), profbuf_overflow_by_cpu(ncpus, 0) {}

  // A record at time t belongs here. `absorb_earlier` makes the window also take
  // records older than its start that arrive after the window before it closed:
  // file windows tile time, so a late record is counted, never dropped.
  bool contains(std::uint64_t t) const {
    return (t >= start_ns || absorb_earlier) && t < end_ns;
  }

  const std::uint16_t kind;  // enum profbufd_kind: only records of this kind
  std::uint64_t start_ns;
  std::uint64_t end_ns;  // kOpenEnded until it is given an end
  bool absorb_earlier = false;
  // Only records of these processes (tgids); empty: every process. For
  // requests that ask for one process (HTTP ?pid=).
  std::vector<std::uint32_t> pids;
  // Only stacks of these cgroups (v2 paths, "/system.slice/x.service") or
  // below them, or of containers whose id starts with one of `containers`;
  // both empty: every stack. Applied when the profile is built
  // (model/labeler.h), since telling needs the cgroup tree (HTTP cgroup=,
  // container=).
  std::vector<std::string> cgroups;
  std::vector<std::string> containers;
  // The sample type its profile leads with, when the request asked for one
  // (HTTP /debug/pprof/heap: inuse_space); empty: the kind's default.
  std::string default_sample_type;
  // What changed while the window was open (settings reloaded by SIGHUP),
  // one line each, in order; the profile's metadata repeats them. Written
  // under the reader's lock (Reader::note_change).
  std::vector<std::string> changes;
  bool filters_changed = false;  // one of the changes was to the kernel filters
  std::int64_t start_unix_ns = 0;  // wall clock at start, for the profile
  std::int64_t end_unix_ns = 0;    // wall clock when it ended

  StackTable stacks;  // keys as StackTable documents; task ids resolve in `tasks`
  std::vector<std::uint64_t> records_by_cpu;
  std::vector<std::uint64_t> profbuf_overflow_by_cpu;  // discarded by a full ProfBuf
  std::uint64_t ringbuf_full = 0;                       // BPF reservations that failed
  // The comm of every task id some stack here holds.
  std::unordered_map<std::uint32_t, std::array<char, PROFBUFD_COMM_LEN>> tasks;
  // The /proc/PID/maps snapshot of every program with a stack here, by
  // process key: taken when profbufd first saw the pid run it (null if the
  // process was gone by then, or the program ended before it was read).
  std::unordered_map<ProcessKey, std::shared_ptr<const ProcessMaps>> maps;
  // Who each of those processes is (namespaced pid, cgroups), read with its
  // maps; null where maps is.
  std::unordered_map<ProcessKey, std::shared_ptr<const ProcessIdentity>> identities;
  std::unique_ptr<WindowBooks> books;  // the kind's, or null

  std::uint64_t lost() const {
    std::uint64_t n = ringbuf_full;
    for (auto v : profbuf_overflow_by_cpu) n += v;
    return n;
  }
};

}  // namespace profbufd
