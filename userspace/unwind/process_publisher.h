// Publishes a process's executable mappings for the BPF walker (uw_procs): for
// each, its range, load bias and the bin of its binary's table. Tables of
// binaries seen for the first time are not built here: they are returned as
// builds for the unwinder to do, and meanwhile the walker falls back to frame
// pointers for their frames (counted as pending).
//
// Mappings without a file ([anon], JIT code, [vsyscall]) get bin 0: the walker
// uses frame pointers there (V8 keeps them), and a pc in them is a known
// mapping, so it never asks for the process again.
//
// Not thread-safe: the unwinder's thread owns it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "process/proc_maps.h"
#include "unwind/binary_index.h"
#include "unwind/map_io.h"
#include "unwind/table_store.h"

namespace profbufd::unwind {

// A table to build: bin `bin`, from the file `entry` of process `pid` (or the
// vDSO).
struct TableBuild {
  std::uint32_t bin = 0;
  std::string key;  // the binary's (TableStore::bin): its bin may go to another meanwhile
  std::uint32_t pid = 0;
  MapEntry entry;
  bool vdso = false;
};

struct PublishStats {
  std::uint64_t published = 0;        // uw_procs entries written
  std::uint64_t vanished = 0;         // processes gone before their maps could be read
  std::uint64_t unreadable_binaries = 0;  // mappings whose file could not be read
  std::uint64_t too_many_mappings = 0;    // processes with more than UW_MAX_MAPS
};

class ProcessPublisher {
 public:
  ProcessPublisher(MapIo& io, TableStore& store, BinaryIndex& binaries, std::string procfs_root);

  // Reads pid's maps and publishes them with `start_time` (the walker checks it
  // against the task: a reused pid is not walked with these; 0: the first walk
  // fills it in). Tables to build are appended to `builds`; the maps read are
  // left in `maps_out` if given. Errors: the process is gone (counted).
  Status publish(std::uint32_t pid, std::uint64_t start_time, std::vector<TableBuild>& builds,
                 ProcessMaps* maps_out = nullptr);
  // The process exec'd or exited: its bins lose a reference. The BPF side has
  // deleted its uw_procs entry already (bpf/process.bpf.c); `remove` also
  // deletes it here (a sweep found the process gone).
  void forget(std::uint32_t pid, bool remove);

  std::vector<std::uint32_t> pids() const;
  std::size_t processes() const { return bins_of_.size(); }
  const PublishStats& stats() const { return stats_; }

 private:
  // The uw_map of one mapping; a new or evicted table goes to `builds`.
  uw_map map_of(std::uint32_t pid, const MapEntry& m, std::vector<TableBuild>& builds);
  // pid's executable mappings as the walker reads them; the bins they use.
  Status collect(std::uint32_t pid, uw_proc& proc, std::vector<std::uint32_t>& bins,
                 std::vector<TableBuild>& builds, ProcessMaps* maps_out);
  std::uint32_t bin_of(const BinaryInfo& info, const TableBuild& build,
                       std::vector<TableBuild>& builds);

  MapIo& io_;
  TableStore& store_;
  BinaryIndex& binaries_;
  const std::string procfs_root_;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> bins_of_;  // pid -> bins
  PublishStats stats_;
};

}  // namespace profbufd::unwind
