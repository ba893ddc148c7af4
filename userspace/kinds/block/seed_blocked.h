// Threads already blocked when the block kind attaches: the BPF side learns of
// a block only at the switch-out it sees, so a thread asleep since before then
// would be invisible until it wakes (and a window would miss its time). At
// attach, every user thread that /proc shows sleeping (state S or D) is put in
// the `blocked` map as blocked since now; one that wakes meanwhile is closed
// by its next switch-in as any block is (a few microseconds of race: such a
// thread may be counted blocked from now until that switch-in).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace profbufd::kinds::block {

struct TaskStat {
  char state = '?';
  std::uint64_t flags = 0;  // PF_* bits
  std::string comm;
};

// Parses /proc/PID/task/TID/stat text ("tid (comm) S ppid ... flags ...").
std::optional<TaskStat> parse_task_stat(std::string_view text);

// Sleeping (S or D) and not a kernel thread (PF_KTHREAD).
bool blocked_user_thread(const TaskStat& s);

// Adds every such thread under `procfs` of a process `wanted` says to keep
// to the map `blocked_fd` (entries the BPF side already has are kept), as
// blocked since `now_ns`, each kept with `sample_probability`. Returns how
// many were added.
std::size_t seed_blocked(int blocked_fd, const std::string& procfs, std::uint64_t now_ns,
                         double sample_probability,
                         const std::function<bool(std::uint32_t pid)>& wanted);

// The kernel filters' verdict on a process, from the shared `settings` and
// `pids` maps (bpf/record.bpf.h): every process without filters, the pids of
// a pid filter; a cgroup filter cannot be judged from here, so only its
// pid-filter part counts (threads blocked since before the start are then
// left to their first wake-up).
std::function<bool(std::uint32_t pid)> kernel_filter(int settings_fd, int pids_fd);

}  // namespace profbufd::kinds::block
