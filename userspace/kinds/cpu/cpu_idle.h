// Per-CPU idle time from /proc/stat (the idle and iowait columns), to account
// for idle CPUs that the sampler cannot see (why: kinds/cpu/idle_books.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::kinds::cpu {

// Idle (idle + iowait) nanoseconds per CPU id; index = CPU id, absent CPUs 0.
using CpuIdleTimes = std::vector<std::uint64_t>;

// Parses the "cpuN user nice system idle iowait ..." lines of /proc/stat text.
// `ticks_per_second` is USER_HZ (sysconf(_SC_CLK_TCK), 100 on Linux).
Result<CpuIdleTimes> parse_proc_stat_idle(std::string_view text,
                                          unsigned ticks_per_second);

// Reads `path` (normally /proc/stat) and parses it.
Result<CpuIdleTimes> read_cpu_idle(const std::string& path = "/proc/stat");

}  // namespace profbufd::kinds::cpu
