// The kernel's CPU list format ("0-3,5,7-8\n"), as found in
// /sys/devices/system/cpu/online and friends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::capture {

// Parses a CPU list into ascending, duplicate-free CPU ids. Whitespace around
// the list and around items is ignored; an empty list is an error (a machine
// always has a CPU online), as are malformed items, reversed ranges ("5-3") and
// ids above kMaxCpuId (a guard against garbage sizing per-CPU arrays).
inline constexpr int kMaxCpuId = 1 << 16;
Result<std::vector<int>> parse_cpu_list(std::string_view text);

// Reads and parses the file at `path` (e.g. /sys/devices/system/cpu/online).
// Errors name the path.
Result<std::vector<int>> read_cpu_list(const std::string& path);

}  // namespace profbufd::capture
