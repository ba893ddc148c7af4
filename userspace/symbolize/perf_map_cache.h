// The perf maps of the processes being symbolized (symbolize/perf_map.h), one
// per process, read where the process itself wrote it:
//   procfs_root/<pid>/root/tmp/perf-<nspid>.map
// <nspid> is the pid inside the process's own pid namespace (the last NSpid of
// procfs_root/<pid>/status, the host pid when not namespaced), because a JIT in
// a container names its file by the pid it sees; /proc/PID/root walks the
// process's own mount namespace, so a container's (or a PrivateTmp unit's) /tmp.
//
// The file belongs to the profiled process, which may be hostile, and is read
// as root: it is opened without following symlinks out of that root
// (openat2 RESOLVE_IN_ROOT, where the kernel has it), without blocking (a FIFO),
// and used only if it is a regular file owned by the process's owner, so a
// process cannot make profbufd publish a file it could not read itself.
//
// Refresh: the file grows as the JIT compiles. An address the cached map does
// not cover re-reads it if its size, mtime or inode changed since the last
// read, at most once per `recheck` per process (symbolization runs in a burst
// at window close, so that is at most once per window). A process is known by
// (pid, start time): once per `recheck` its start time is read again, and a
// different one (the pid was reused) drops the old map.
//
// Bounded: an LRU of max_processes maps, weighed by their heap bytes
// (max_bytes; one map alone may exceed it, PerfMapLimits bound that).
// Not thread-safe: the Symbolizer calls it under its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "symbolize/lru_cache.h"
#include "symbolize/perf_map.h"

namespace profbufd::symbolize {

class PerfMapCache {
 public:
  struct Options {
    std::string procfs_root = "/proc";  // "": /tmp/perf-<pid>.map of this namespace (tests)
    std::size_t max_processes = 64;
    std::size_t max_bytes = 8u << 20;
    PerfMapLimits limits{};
    std::chrono::milliseconds recheck{1000};
  };

  // Counters since construction; the line counts add up over every read.
  struct Stats {
    std::uint64_t reads = 0;            // maps read (first reads and re-reads)
    std::uint64_t rereads = 0;          // of them, re-reads after a miss
    std::uint64_t rejected = 0;         // files found but not used (not regular, other owner)
    std::uint64_t lines_malformed = 0;  // PerfMapCounts summed over reads
    std::uint64_t lines_dropped = 0;
    std::uint64_t bytes_skipped = 0;
    std::uint64_t names_truncated = 0;
    std::uint64_t evicted = 0;
    std::size_t processes = 0;  // maps cached (a process without a file counts too)
    std::size_t bytes = 0;
  };

  explicit PerfMapCache(Options options);
  ~PerfMapCache();

  // The JIT's name for addr in process pid, or nullopt (no map, or not in it).
  std::optional<std::string> find(std::uint32_t pid, std::uint64_t addr);

  Stats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct FileStamp {
    bool present = false;   // a regular file of the process's owner
    bool rejected = false;  // a file, but not one to use
    std::uint64_t size = 0, inode = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  struct Process {
    std::uint64_t start_time = 0;  // ticks after boot; 0 if unreadable
    std::string root;              // procfs_root/<pid>/root, or "/"
    std::string rel;               // tmp/perf-<nspid>.map under it
    FileStamp stamp;               // of the file as last read
    PerfMap map;
    Clock::time_point checked_at, read_at;
  };

  // pid's cached entry, read first (or again, when the pid was reused).
  Process* current(std::uint32_t pid, Clock::time_point now);
  Process* load(std::uint32_t pid, Clock::time_point now);
  // The entry re-read and stored again, or nullptr if not due or unchanged.
  Process* reread_if_changed(std::uint32_t pid, Process& p, Clock::time_point now);
  FileStamp stamp(std::uint32_t pid, int fd) const;
  // Reads p's file into p.map if its stamp changed since p.stamp (an absent
  // or rejected file leaves an empty map); whether it changed.
  bool refresh(std::uint32_t pid, Process& p);
  std::uint64_t start_time(std::uint32_t pid) const;

  const Options options_;
  std::unique_ptr<LruCache<std::uint32_t, Process>> processes_;
  Stats stats_;
};

}  // namespace profbufd::symbolize
