// /proc/PID/cgroup: the cgroup of a process in every hierarchy.
//
//   0::/libpod_parent/libpod-031a...          cgroup v2 (hierarchy 0, no controllers)
//   4:memory:/docker/4f79...                  cgroup v1
//   1:name=systemd:/system.slice/ssh.service  cgroup v1, systemd's named hierarchy
//
// A hybrid host (v1 controllers beside a v2 hierarchy, as this development VM
// has) prints both kinds; a v2-only host only the "0::" line; a v1-only host
// no "0::" line at all. The path is everything after the second colon (it may
// itself hold colons).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::cgroup {

struct ProcCgroupLine {
  unsigned hierarchy = 0;
  std::string controllers;  // "memory", "cpu,cpuacct", "name=systemd", "" for v2
  std::string path;
};

// Every line, in file order. Malformed lines are an error (kRuntime) naming
// the line number; empty text gives no lines.
Result<std::vector<ProcCgroupLine>> parse_proc_cgroup(std::string_view text);

// The path that says who the process is:
// - the v2 path ("0::") if there is one and `v2_mounted` (on a hybrid host
//   too: records carry v2 ids, so labels follow the v2 tree);
// - else systemd's named hierarchy ("name=systemd"), which follows units;
// - else the first v1 path that is not "/"; else "/".
// Empty when nothing is known.
std::string identity_path(const std::vector<ProcCgroupLine>& lines, bool v2_mounted);

}  // namespace profbufd::cgroup
