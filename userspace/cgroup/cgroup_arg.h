// A cgroup named by the user (--cgroup PATH, cgroup= in the config file and
// in HTTP requests), made into the cgroup v2 path profbufd works with.
//
// PATH is either the cgroup's directory under the cgroup2 mount
// (/sys/fs/cgroup/system.slice/nginx.service on a v2-only host,
// /sys/fs/cgroup/unified/... on a hybrid one) or its path as /proc/PID/cgroup
// prints it (/system.slice/nginx.service), which is tried under the mount.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace profbufd::cgroup {

struct CgroupRef {
  std::string path;  // as /proc/PID/cgroup prints it: "/", "/system.slice/x.service"
  std::string dir;   // its directory: mount + path
};

// The path made canonical: absolute, no empty or "." components, no trailing
// slash; ".." is refused (kUsage), as is anything not absolute.
Result<std::string> normalize_cgroup_path(std::string_view path);

// `path` (canonical) as /proc/PID/cgroup prints it, when it is `mount` ("/")
// or a directory below it ("/sys/fs/cgroup/x" -> "/x"); nullopt otherwise, and
// when `mount` is empty.
std::optional<std::string> path_under_mount(const std::string& path, const std::string& mount);

// `mount` empty means no cgroup v2 on this host (kUsage: the filter needs it).
// A PATH that is no cgroup directory (no cgroup.procs in it) either way is
// kUsage, naming what was tried.
Result<CgroupRef> resolve_cgroup_arg(std::string_view arg, const std::string& mount);

}  // namespace profbufd::cgroup
