// The settings file that --config names and SIGHUP re-reads: what can change
// while profbufd runs (the frequency and the filters), one per line.
//
//   # /etc/profbufd/profbufd.conf
//   frequency = 49
//   pid = 1234
//   cgroup = /system.slice/nginx.service
//   cgroup = /sys/fs/cgroup/kubepods.slice
//
// - "key = value", spaces around '=' optional; blank lines and lines whose
//   first non-blank character is '#' are ignored (a '#' after a value is part
//   of it: cgroup names may hold one);
// - frequency at most once; pid and cgroup repeat, each value once;
// - each value means what the flag of the same name means (--frequency,
//   --pid, --cgroup) and is checked the same way.
//
// How the file combines with the command line is app/settings.h's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::cli {

struct ConfigFile {
  std::optional<unsigned> frequency_hz;
  std::vector<std::uint32_t> pids;    // in file order
  std::vector<std::string> cgroups;   // as written
};

// `name` (the path) prefixes every error: kUsage,
// "profbufd: <name>:<line>: <key> <value>: <why> (<hint>)".
Result<ConfigFile> parse_config_file(std::string_view text, std::string_view name);

// Reads and parses `path`; an unreadable file is kUsage naming the errno.
Result<ConfigFile> read_config_file(const std::string& path);

}  // namespace profbufd::cli
