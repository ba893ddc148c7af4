// Checks run before profiling starts, so that a missing privilege, a kernel
// without BTF, a too-high --frequency or an unwritable --output is one clear line
// and a distinct exit code, instead of a libbpf error or a profile lost at the
// end of a long run. Every path is a parameter so tests can use fixtures.
#pragma once

#include <string>
#include <string_view>

#include "cli/options.h"
#include "common/error.h"

namespace profbufd::cli {

struct PreflightPaths {
  std::string proc_self_status = "/proc/self/status";
  std::string btf_vmlinux = "/sys/kernel/btf/vmlinux";
  std::string max_sample_rate = "/proc/sys/kernel/perf_event_max_sample_rate";
};

// Reads the status file (normally /proc/self/status) and applies
// check_capabilities(). ExitCode::kNoPrivilege, or kRuntime if unreadable.
Status check_privilege(const std::string& proc_status_path);

// The kernel's BTF must exist, be readable and start with the BTF magic: the
// BPF program is CO-RE and relocates against it. ExitCode::kNoBtf.
Status check_btf(const std::string& vmlinux_path);

// `dir` exists, is a directory, and a file can really be created, written and
// removed in it. A real file, not access(2): root passes access(W_OK) whatever
// the mode bits say, and access() knows nothing of procfs/sysfs refusing new
// files, NFS servers squashing root, LSM policies, quotas or a full disk.
// ExitCode::kOutputUnwritable.
Status check_output_dir(const std::string& dir);

// The text of kernel.perf_event_max_sample_rate: one positive integer and a
// newline. ExitCode::kRuntime if malformed.
Result<unsigned> parse_max_sample_rate(std::string_view text);

// perf_event_open rejects a frequency above kernel.perf_event_max_sample_rate.
// ExitCode::kFrequencyTooHigh naming the limit and how to raise it; kRuntime if
// the limit cannot be read.
Status check_frequency(unsigned frequency_hz, const std::string& max_sample_rate_path);

// All of the above, in this order, returning the first failure:
//   1. BTF: no flag or privilege fixes it, and it is readable without root;
//   2. privilege: the commonest mistake (forgot sudo), and without it the
//      output-directory probe could fail for the wrong reason;
//   3. frequency: a flag fix;
//   4. output directory: last, because it creates (and removes) a file.
Status preflight(const Options& options, const PreflightPaths& paths = {});

}  // namespace profbufd::cli
