#include "cli/usage.h"

#include "cli/byte_size.h"
#include "cli/duration.h"
#include "cli/options.h"
#include "common/error.h"
#include "http/endpoints.h"
#include "http/profile_query.h"
#include "http/server.h"

// The Makefile defines it from its VERSION; a build outside it still compiles.
#ifndef PROFBUFD_VERSION
#define PROFBUFD_VERSION "unknown"
#endif

namespace profbufd::cli {
namespace {

std::string code(ExitCode c) { return std::to_string(static_cast<int>(c)); }

// The sections of the text, in order; each but the last ends with a blank line.

// What profbufd is and what it needs.
std::string intro_text() {
  std::string t;
  t += "Usage: profbufd [flags]\n";
  t += "\n";
  t += "Samples the call stacks (kernel and user) of every CPU with a BPF program and\n";
  t += "writes them as profiles. Needs CAP_BPF and CAP_PERFMON (or root) and a kernel\n";
  t += "with BTF (CONFIG_DEBUG_INFO_BTF=y).\n";
  t += "\n";
  return t;
}

// The flags of a run: how long, how often, what and where to.
std::string run_flags_text() {
  std::string t;
  t += "Flags (--flag value or --flag=value; given twice, the last wins, except\n";
  t += "--pid and --cgroup, which add up):\n";
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
  t += "  --cgroup PATH       only sample tasks in this cgroup v2 or below it; repeat\n";
  t += "                      for up to " + std::to_string(kMaxCgroups) + " cgroups. PATH is its directory\n";
  t += "                      under the cgroup2 mount or its path as /proc/PID/cgroup\n";
  t += "                      prints it. With --pid too, a sample passing either\n";
  t += "                      filter is kept.\n";
  t += "  --config FILE       read frequency, pid and cgroup lines (key = value) from\n";
  t += "                      FILE at start and again on SIGHUP, without a restart;\n";
  t += "                      the file's pids and cgroups add to the flags'.\n";
  t += "  --folded-root LABEL put a sample label (service_name, container_id, ...) as\n";
  t += "                      the root frame of each folded line.\n";
  t += "  --no-idle           leave out samples of idle CPUs (the idle task).\n";
  t += "  --profiles KINDS    comma-separated kinds the periodic windows (files, page,\n";
  t += "                      push) collect: cpu, block (off-CPU time), threadcreate\n";
  t += "                      (tasks created), mutex (futex waits). Default: cpu.\n";
  t += "                      Files of kinds other than cpu are named profbufd-KIND-*.\n";
  t += "                      With --http-listen the others are served too, their\n";
  t += "                      probes running only while a request holds them.\n";
  t += "  --block-min D       the block profile records blocks of at least D (default\n";
  t += "                      1ms, 0 to 1m); shorter ones are dropped in the kernel.\n";
  t += "  --block-sample P    record a share P in (0, 1] of blocks (default 1); the\n";
  t += "                      block profile's values are scaled by 1/P.\n";
  t += "  --mutex-min D       the mutex profile records futex waits of at least D\n";
  t += "                      (default 10us, 0 to 1s); shorter ones are dropped in the\n";
  t += "                      kernel.\n";
  t += "  --heap-rate B       the heap profile samples one allocation per B bytes on\n";
  t += "                      average (default 512K, as Go's MemProfileRate).\n";
  return t;
}

// How samples are captured, walked and named.
std::string capture_flags_text() {
  std::string t;
  t += "  --ringbuf-size B    size of the BPF ring buffer in bytes, with an optional\n";
  t += "                      K, M or G (1K = 1024); a power of two, at least the page\n";
  t += "                      size. Default: room for half a second of samples from\n";
  t += "                      every CPU.\n";
  t += "  --unwind MODE       how user stacks are walked: auto (tables built from\n";
  t += "                      .eh_frame, frame pointers where a binary has none,\n";
  t += "                      e.g. JIT code), dwarf (tables only), fp (frame pointers\n";
  t += "                      only: stacks of code built without them break).\n";
  t += "                      Default: auto.\n";
  t += "  --unwind-table-memory B\n";
  t += "                      kernel memory for those tables (K, M, G; 1M to 4G);\n";
  t += "                      the least recently used binaries' tables give way.\n";
  t += "                      Default: 32M.\n";
  t += "  --debuginfod URLS   fetch the debug files of stripped binaries that have none\n";
  t += "                      on this host from these debuginfod servers (space-\n";
  t += "                      separated, as DEBUGINFOD_URLS, which is used when this\n";
  t += "                      is not given). This SENDS THE BUILD IDS of the binaries\n";
  t += "                      that ran here to those servers. Default: off.\n";
  t += "  --debuginfod-timeout D\n";
  t += "                      deadline of one debuginfod request (100ms to 5m); a\n";
  t += "                      profile waits for at most one that fails. Default: " +
       format_duration(kDefaultDebuginfodTimeout) + ".\n";
  t += "  --no-lines          names only: no source lines or inlined calls from the\n";
  t += "                      DWARF of binaries and debug files (saves the memory\n";
  t += "                      and time libdw takes at window close).\n";
  t += "  --no-python         do not read CPython 3.11-3.13 frames at sample time:\n";
  t += "                      Python processes show their interpreter's C frames only.\n";
  return t;
}

// The HTTP server's flags.
std::string http_flags_text() {
  std::string t;
  t += "  --http-listen A:P   serve HTTP (endpoints below) on address A, port P, e.g.\n";
  t += "                      127.0.0.1:6060, [::1]:6060, localhost:6060, or :6060\n";
  t += "                      (127.0.0.1). Loopback only unless --http-allow-remote.\n";
  t += "                      Port 0 picks a free port (logged). Default: no HTTP.\n";
  t += "  --http-allow-remote accept a --http-listen address that is not loopback\n";
  t += "                      (e.g. 0.0.0.0:6060): profiles reveal every process on\n";
  t += "                      this host, so serving them elsewhere is opt-in.\n";
  t += "  --http-max-connections N\n";
  t += "                      HTTP connections open at once (1 to " +
       std::to_string(kMaxHttpConnections) + "); the next\n";
  t += "                      gets a one-line 503 and is closed. Default: " +
       std::to_string(http::kDefaultMaxConnections) + ".\n";
  return t;
}

// The push to Pyroscope, what a daemon writes, and --help / --version.
std::string push_flags_text() {
  std::string t;
  t += "  --pyroscope-url URL push every closed window to a Grafana Pyroscope server,\n";
  t += "                      http:// or https://, e.g. http://127.0.0.1:4040.\n";
  t += "                      Default: no push.\n";
  t += "  --pyroscope-user USER\n";
  t += "                      basic authentication user (Grafana Cloud: the numeric\n";
  t += "                      user id); needs --pyroscope-password-file.\n";
  t += "  --pyroscope-password-file FILE\n";
  t += "                      file holding the basic authentication password (a\n";
  t += "                      Grafana Cloud access policy token). Secrets are never\n";
  t += "                      taken from the command line.\n";
  t += "  --pyroscope-token-file FILE\n";
  t += "                      file holding a bearer token, sent as Authorization.\n";
  t += "  --pyroscope-tenant ID\n";
  t += "                      X-Scope-OrgID of a multi-tenant Pyroscope.\n";
  t += "  --pyroscope-queue-size B\n";
  t += "                      windows waiting to be sent, in bytes (K, M, G); when\n";
  t += "                      full, the oldest are dropped. Default: " +
       format_byte_size(kDefaultPushQueueBytes) + ".\n";
  t += "  --pyroscope-timeout D\n";
  t += "                      deadline of one push request. Default: " +
       format_duration(kDefaultPushTimeout) + ".\n";
  t += "  A daemon (--http-listen or --pyroscope-url) without --interval or\n";
  t += "  --duration writes no files; it closes a window every " +
       format_duration(kDaemonInterval) + " for the web page\n";
  t += "  and the push.\n";
  t += "  -h, --help          print this help and exit.\n";
  t += "  --version           print the version and exit.\n";
  t += "\n";
  return t;
}

// The HTTP endpoints with their limits.
std::string http_text() {
  const std::string max_seconds = std::to_string(http::kMaxProfileSeconds.count());
  const std::string default_seconds = std::to_string(http::kDefaultProfileSeconds.count());
  const std::string max_profiles = std::to_string(http::kMaxConcurrentProfiles);
  const std::string max_body = std::to_string(http::kMaxBodyBytes);
  const std::string header_ms = std::to_string(http::kDefaultHeaderTimeout.count());
  const std::string workers = std::to_string(http::kWorkerThreads);
  std::string t;
  t += "HTTP endpoints (with --http-listen; GET only, other methods get 405):\n";
  t += "  /                   the flame graph page of the latest window, fed by\n";
  t += "                      /api/kinds, /api/profiles, /api/flamegraph,\n";
  t += "                      /api/profile and /api/collect (see the README).\n";
  t += "  /endpoints          the list of endpoints.\n";
  t += "  /metrics            Prometheus metrics of profbufd.\n";
  t += "  /debug/pprof/profile?seconds=N\n";
  t += "                      CPU profile of the next N seconds (1 to " + max_seconds +
       ", default " + default_seconds + ")\n";
  t += "                      as gzipped pprof, like Go's net/http/pprof; add &pid=P,\n";
  t += "                      &cgroup=PATH or &container=ID (each repeatable) to\n";
  t += "                      select, &format=json or &format=folded for the other\n";
  t += "                      formats. At most " + max_profiles + " at once; more get 503.\n";
  t += "  /healthz            200 while sampling runs, 503 otherwise.\n";
  t += "  Limits: request body at most " + max_body + " bytes (GET needs none), header\n";
  t += "  lines at most 8 KiB, " + header_ms + " ms to send a whole request head (408),\n";
  t += "  " + workers + " requests answered at once; idle and slow clients wait in one\n";
  t += "  acceptor thread, not on those " + workers + ". Refusals are counted by reason\n";
  t += "  in profbufd_http_refused_total.\n";
  t += "\n";
  return t;
}

// The labels and the signals.
std::string labels_and_signals_text() {
  std::string t;
  t += "Labels on every sample: pid, tid, comm, cgroup, container_id, pod_uid,\n";
  t += "systemd_unit, service_name, nspid (the pid inside a container).\n";
  t += "\n";
  t += "Signals: SIGINT and SIGTERM write the current profile and exit; SIGHUP\n";
  t += "re-reads --config (a bad file is logged and the old settings stay).\n";
  t += "\n";
  return t;
}

// The exit codes, in step with common/error.h's ExitCode.
std::string exit_codes_text() {
  std::string t;
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
  return t;
}

// Typical command lines (the last section).
std::string examples_text() {
  std::string t;
  t += "Examples:\n";
  t += "  sudo profbufd --duration 30s\n";
  t += "  sudo profbufd --interval 1m --keep 60 --output /var/lib/profbufd\n";
  t += "  sudo profbufd --duration 10s --pid 1234 --format folded\n";
  t += "  sudo profbufd --http-listen 127.0.0.1:6060   # page: http://127.0.0.1:6060/\n";
  t += "  sudo profbufd --pyroscope-url http://127.0.0.1:4040\n";
  t += "  sudo profbufd --duration 10s --cgroup /system.slice/nginx.service\n";
  t += "  go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=30\n";
  return t;
}

}  // namespace

std::string usage_text() {
  return intro_text() + run_flags_text() + capture_flags_text() + http_flags_text() +
         push_flags_text() + http_text() +
         labels_and_signals_text() + exit_codes_text() + examples_text();
}

std::string version_text() { return std::string("profbufd ") + PROFBUFD_VERSION + "\n"; }

}  // namespace profbufd::cli
