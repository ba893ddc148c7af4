#include "cli/usage.h"

#include "cli/options.h"
#include "common/error.h"

// The Makefile defines it from its VERSION; a build outside it still compiles.
#ifndef PROFBUFD_VERSION
#define PROFBUFD_VERSION "unknown"
#endif

namespace profbufd::cli {
namespace {

std::string code(ExitCode c) { return std::to_string(static_cast<int>(c)); }

}  // namespace

std::string usage_text() {
  std::string t;
  t += "Usage: profbufd [flags]\n";
  t += "\n";
  t += "Samples the call stacks (kernel and user) of every CPU with a BPF program and\n";
  t += "writes them as profiles. Needs CAP_BPF and CAP_PERFMON (or root) and a kernel\n";
  t += "with BTF (CONFIG_DEBUG_INFO_BTF=y).\n";
  t += "\n";
  t += "Flags (--flag value or --flag=value; given twice, the last wins, except --pid):\n";
  t += "  --duration D        profile for D, write the profiles and exit; D is a Go\n";
  t += "                      duration such as 30s, 5m, 1h30m, 1.5s (units ns, us, ms,\n";
  t += "                      s, m, h). Default: until Ctrl-C or SIGTERM.\n";
  t += "  --frequency HZ      samples per second on each CPU. Default: " +
       std::to_string(kDefaultFrequencyHz) + ". At most\n";
  t += "                      kernel.perf_event_max_sample_rate.\n";
  t += "  --output DIR        directory the profiles are written to; must exist and be\n";
  t += "                      writable. Default: . (the current directory).\n";
  t += "  --format LIST       comma-separated formats to write, each once: pprof\n";
  t += "                      (gzipped protobuf for go tool pprof), json, folded\n";
  t += "                      (flame graph input). Default: pprof,json.\n";
  t += "  --interval D        start a new profile every D: at least " +
       std::to_string(kMinInterval.count() / 1'000'000) + "ms, at most\n";
  t += "                      --duration; the last one ends with the run and may be\n";
  t += "                      shorter. Default: one profile for the whole run.\n";
  t += "  --keep N            with --interval: keep only the newest N profiles in DIR\n";
  t += "                      (N >= 1). Default: keep all.\n";
  t += "  --pid PID           only sample process PID; repeat for up to " +
       std::to_string(kMaxPids) + " processes.\n";
  t += "                      Default: every process. (pid 0, the idle task, is not\n";
  t += "                      accepted; see --no-idle.)\n";
  t += "  --no-idle           leave out samples of idle CPUs (the idle task).\n";
  t += "  --ringbuf-size B    size of the BPF ring buffer in bytes, with an optional\n";
  t += "                      K, M or G (1K = 1024); a power of two, at least the page\n";
  t += "                      size. Default: room for one second of samples from every\n";
  t += "                      CPU.\n";
  t += "  -h, --help          print this help and exit.\n";
  t += "  --version           print the version and exit.\n";
  t += "\n";
  t += "Exit codes:\n";
  t += "  " + code(ExitCode::kOk) + "  success\n";
  t += "  " + code(ExitCode::kRuntime) + "  failure while running (internal error, BPF attach lost)\n";
  t += "  " + code(ExitCode::kUsage) + "  bad flag or value\n";
  t += "  " + code(ExitCode::kNoPrivilege) + "  missing CAP_BPF / CAP_PERFMON (run with sudo)\n";
  t += "  " + code(ExitCode::kNoBtf) + "  the kernel has no BTF (/sys/kernel/btf/vmlinux)\n";
  t += "  " + code(ExitCode::kOutputUnwritable) +
       "  --output missing, not a directory, or not writable\n";
  t += "  " + code(ExitCode::kFrequencyTooHigh) +
       "  --frequency above kernel.perf_event_max_sample_rate\n";
  t += "  " + code(ExitCode::kBpfLoad) + "  the BPF program failed to load or attach\n";
  t += "  " + code(ExitCode::kWriteFailed) + "  a profile could not be written (disk full, ...)\n";
  t += "\n";
  t += "Examples:\n";
  t += "  sudo profbufd --duration 30s\n";
  t += "  sudo profbufd --interval 1m --keep 60 --output /var/lib/profbufd\n";
  t += "  sudo profbufd --duration 10s --pid 1234 --format folded\n";
  return t;
}

std::string version_text() { return std::string("profbufd ") + PROFBUFD_VERSION + "\n"; }

}  // namespace profbufd::cli
