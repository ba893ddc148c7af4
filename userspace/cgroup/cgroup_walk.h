// The cgroup v2 tree as it is now: every directory under the mount with its
// id, the number bpf_get_current_cgroup_id() returns for tasks in it.
//
// The id is the kernfs node id, which name_to_handle_at(2) returns as an
// 8-byte handle of type FILEID_KERNFS; on 64-bit kernels it equals the
// directory's inode number. Where no kernfs handle comes back (a file system
// that is not cgroupfs, as tests use, or a seccomp filter refusing the call),
// the inode number stands in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace profbufd::cgroup {

struct CgroupEntry {
  std::uint64_t id = 0;
  std::string path;  // relative to the mount, as /proc/PID/cgroup prints it: "/", "/a/b"
};

// Depth first from `mount` (the root itself first, as "/"); at most
// `max_entries` directories (the rest are left out: a bound, not an error).
// Directories that vanish during the walk are skipped. Errors (kRuntime) only
// when the mount itself cannot be opened.
Result<std::vector<CgroupEntry>> walk_cgroups(const std::string& mount, std::size_t max_entries);

// The id of directory `name` relative to `dirfd` (AT_FDCWD for a path), or
// an error (kRuntime) with the errno's text.
Result<std::uint64_t> cgroup_id_at(int dirfd, const std::string& name);

}  // namespace profbufd::cgroup
