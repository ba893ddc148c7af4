// Where the cgroup hierarchies are mounted, from /proc/self/mountinfo:
//
//   41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
//   35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
//
// Fields: id, parent, dev, root, mount point, options, optional fields, "-",
// type, source, super options. Mount points escape space, tab, newline and
// backslash as octal (\040, \011, \012, \134).
//
// A v2-only host mounts cgroup2 at /sys/fs/cgroup; a hybrid one (systemd's
// "hybrid" mode, this development VM) at /sys/fs/cgroup/unified beside the v1
// controllers; a v1-only one has no cgroup2 mount.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::cgroup {

struct CgroupMounts {
  // The cgroup2 mount whose root is the hierarchy's root ("/"), or empty. When
  // several exist, the first.
  std::string v2;
  std::vector<std::string> v1;  // cgroup (v1) mount points, in file order
};

// kRuntime naming the line when a line is malformed.
Result<CgroupMounts> parse_cgroup_mounts(std::string_view mountinfo);

// Reads and parses `path` (normally /proc/self/mountinfo).
Result<CgroupMounts> read_cgroup_mounts(const std::string& path = "/proc/self/mountinfo");

}  // namespace profbufd::cgroup
