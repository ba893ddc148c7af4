// Per-CPU idle time from /proc/stat, to account for idle CPUs that the sampler
// cannot see.
//
// Why: on tickless (NO_HZ_IDLE) kernels, and on some hypervisors, the cpu-clock
// perf event does not fire while a CPU sleeps in the idle loop, so the idle task
// (pid 0) gets few or no samples and a profile's total falls short of
// frequency x CPUs x duration by exactly the idle share. The kernel's own idle
// accounting (the idle and iowait columns of /proc/stat) measures that time;
// the profile builder turns the part the sampler missed into samples of the idle
// task on an "[idle]" frame, so totals add up and idle is visible as such.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::capture {

// Idle (idle + iowait) nanoseconds per CPU id; index = CPU id, absent CPUs 0.
using CpuIdleTimes = std::vector<std::uint64_t>;

// Parses the "cpuN user nice system idle iowait ..." lines of /proc/stat text.
// `ticks_per_second` is USER_HZ (sysconf(_SC_CLK_TCK), 100 on Linux).
Result<CpuIdleTimes> parse_proc_stat_idle(std::string_view text,
                                          unsigned ticks_per_second);

// Reads `path` (normally /proc/stat) and parses it.
Result<CpuIdleTimes> read_cpu_idle(const std::string& path = "/proc/stat");

}  // namespace profbufd::capture
