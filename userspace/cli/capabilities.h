// Is this process allowed to load the profiler? Decided from the effective
// capability set, read from the text of /proc/self/status.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/error.h"

namespace profbufd::cli {

// Capability numbers from <linux/capability.h>, spelled out so the check works
// against headers older than the running kernel.
inline constexpr unsigned kCapSysAdmin = 21;
inline constexpr unsigned kCapPerfmon = 38;
inline constexpr unsigned kCapBpf = 39;

// The "CapEff:" line of /proc/PID/status text: a hexadecimal bit mask, bit N
// set when capability N is effective. ExitCode::kRuntime if the line is
// missing or malformed (that is a kernel we do not understand, not a user error).
Result<std::uint64_t> parse_cap_eff(std::string_view proc_status);

// Loading a perf_event BPF program and opening system-wide cpu-clock events
// needs CAP_BPF and CAP_PERFMON; CAP_SYS_ADMIN grants both (it is what kernels
// before 5.8, which lack the two, require, and newer kernels still accept it).
// ExitCode::kNoPrivilege naming the missing capabilities otherwise.
Status check_capabilities(std::uint64_t cap_eff);

}  // namespace profbufd::cli
