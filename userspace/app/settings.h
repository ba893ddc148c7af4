// The settings that can change while profbufd runs: the sampling frequency
// and the kernel filters. What is in force is the command line's, with the
// --config file's (cli/config_file.h) on top:
//
// - frequency: the file's when it has a frequency line, else the command line's;
// - pid, cgroup: the command line's and the file's together. Deleting a line
//   from the file and reloading drops that filter; the command line's stay.
//
// load_settings() reads and checks everything (the file, each cgroup, the
// kernel's sample-rate limit) before anything is changed, so a bad file at
// SIGHUP changes nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cgroup/cgroup_arg.h"
#include "cli/options.h"
#include "common/error.h"

namespace profbufd {

struct Settings {
  unsigned frequency_hz = cli::kDefaultFrequencyHz;
  std::vector<std::uint32_t> pids;       // distinct, command line's first
  std::vector<cgroup::CgroupRef> cgroups;  // distinct by path, command line's first

  bool filtered() const { return !pids.empty() || !cgroups.empty(); }
};

// Where load_settings() looks.
struct SettingsEnv {
  std::string cgroup2_mount;  // empty: no cgroup v2 (a cgroup filter is refused)
  std::string max_sample_rate = "/proc/sys/kernel/perf_event_max_sample_rate";
};

// Errors: the config file's (kUsage, with its line), a cgroup that does not
// exist (kUsage), too many filters together (kUsage), a frequency above the
// kernel's limit (kFrequencyTooHigh).
Result<Settings> load_settings(const cli::Options& command_line, const SettingsEnv& env);

// What differs, for the log and the windows that span the change:
// "frequency 99 -> 49 Hz; pids none -> 1234, 5678; cgroups /a -> none".
// Empty when nothing does.
std::string describe_change(const Settings& before, const Settings& after);

// Whether the kernel filters differ.
bool filters_differ(const Settings& a, const Settings& b);

}  // namespace profbufd
