// /proc/PID/maps: which file (and which part of it) is mapped where in a process.
//
// A line is
//   start-end perms offset major:minor inode [path]
//   55b3d5ee6000-55b3d5eeb000 r-xp 00002000 fe:00 247134     /usr/bin/cat
// The path is everything after the padding that follows the inode, so it may hold
// spaces. The kernel appends " (deleted)" when the file was unlinked, names special
// mappings "[heap]", "[stack]", "[vdso]", and leaves anonymous mappings without a
// path. (It escapes a newline in a path as "\012"; such paths are kept verbatim.)
//
// ProcessMaps is the snapshot the symbolizer keeps for one process: only the
// executable mappings, because only they can hold a code address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd {

struct MapEntry {
  std::uint64_t start = 0;   // first address
  std::uint64_t end = 0;     // one past the last address
  std::uint64_t offset = 0;  // file offset mapped at `start`
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  std::uint64_t inode = 0;  // 0 for anonymous and special mappings
  std::string path;         // without the " (deleted)" suffix; empty if anonymous
  bool read = false, write = false, exec = false, shared = false;
  bool deleted = false;  // the kernel marked the path "(deleted)"

  bool contains(std::uint64_t addr) const { return addr >= start && addr < end; }
  // A regular file (not [vdso], [heap], anonymous memory).
  bool is_file() const { return inode != 0 && !path.empty() && path.front() == '/'; }
  // "[vdso]", "[heap]", "[stack]", "[vsyscall]", ...
  bool is_special() const { return !path.empty() && path.front() == '['; }
};

// One line, without its newline. Errors (kRuntime) name what was malformed.
Result<MapEntry> parse_map_line(std::string_view line);

// Every line of a maps file, in file order. Empty text gives an empty vector
// (kernel threads and exiting processes have no mappings).
Result<std::vector<MapEntry>> parse_maps(std::string_view text);

class ProcessMaps {
 public:
  ProcessMaps() = default;

  // Keeps the executable mappings (r-x, --x) of `text`, sorted by start.
  static Result<ProcessMaps> parse(std::string_view text);

  // Reads procfs_root/<pid>/maps. A process that exited in the meantime is an
  // expected error (kRuntime, "no such process"), as is a permission failure
  // (kNoPrivilege).
  static Result<ProcessMaps> read(int pid, const std::string& procfs_root = "/proc");

  // The executable mapping containing addr, or nullptr. Valid while *this lives
  // and is not modified.
  const MapEntry* find(std::uint64_t addr) const;

  const std::vector<MapEntry>& entries() const { return entries_; }

 private:
  std::vector<MapEntry> entries_;  // executable only; sorted by start, disjoint
};

}  // namespace profbufd
