// Who a process is beyond its pid: its pid inside its own pid namespace (a
// container's "pid 1") and its cgroup as /proc/PID/cgroup says. Read once,
// when the reader first sees the process (beside its maps, outside the
// reader's lock), so that a process that exits before its window closes is
// still labelled.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/proc_cgroup.h"

namespace profbufd {

struct ProcessIdentity {
  // The pid in the innermost pid namespace, when that is not the host's
  // (NSpid has more than one entry); 0 otherwise.
  std::uint32_t nspid = 0;
  // /proc/PID/cgroup as read; empty when unreadable.
  std::vector<cgroup::ProcCgroupLine> cgroups;
};

// The "NSpid:" line of /proc/PID/status: pids from the outermost namespace to
// the innermost. Empty when the line is missing (kernels before 4.1) or bad.
std::vector<std::uint32_t> parse_nspid(std::string_view status_text);

// Reads procfs_root/<pid>/status and .../cgroup. Best effort: what cannot be
// read stays empty (the process may have exited).
ProcessIdentity read_process_identity(std::uint32_t pid, const std::string& procfs_root);

}  // namespace profbufd
