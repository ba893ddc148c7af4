// Where to open the file behind a mapping of some process.
//
// The path in /proc/PID/maps is the path inside that process's mount namespace,
// which for a container is not the host's path. Opening
// <procfs_root>/<pid>/root/<path> walks the process's own root instead. A file
// deleted after it was mapped (an upgraded package, a rebuilt binary) is no longer
// reachable by path, but <procfs_root>/<pid>/map_files/<start>-<end> still opens
// the mapped object (that needs CAP_SYS_ADMIN, or CAP_CHECKPOINT_RESTORE since
// Linux 5.9). Last, the plain path is tried.
//
// A path is accepted only if its inode is the mapped one, so that a different
// file at the same path is not used by mistake: the mappings are a snapshot
// taken when the process was first seen, and the file may have been replaced
// before the window closes (maps would say "(deleted)" by then, the snapshot
// does not). A refused path falls through to map_files. (The device is not
// compared: btrfs and overlayfs report a different st_dev than maps shows.)
//
// An empty procfs_root means "no procfs": only the plain path is tried. Tests
// use that, or a procfs_root of their own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "process/proc_maps.h"

namespace profbufd::symbolize {

struct BinaryCandidate {
  std::string path;
  bool check_inode = false;  // accept only if st_ino == the mapping's inode
};

// The paths to try for `entry` of process `pid`, in order (see above).
std::vector<BinaryCandidate> binary_candidates(const std::string& procfs_root, std::uint32_t pid,
                                               const MapEntry& entry);

// Opens the first candidate that is a readable regular file (and passes its
// inode check). The error (kRuntime, or kNoPrivilege if every failure was a
// permission failure) names the mapping's path and the last reason.
Result<Fd> open_mapped_file(const std::string& procfs_root, std::uint32_t pid,
                                  const MapEntry& entry);

}  // namespace profbufd::symbolize
