// The profbufd command line: what the user asked for, validated, before anything
// touches the kernel. Kernel- and filesystem-dependent checks (privilege, BTF,
// the sample-rate limit, a writable --output) are preflight's job, not this one.
//
// Flag rules (also in usage_text()):
// - every flag is long: "--flag value" or "--flag=value"; "-h" is --help;
// - "--" ends the flags; profbufd takes no positional arguments at all;
// - a flag given twice: the last one wins (so a systemd unit can append
//   overrides to defaults), except --pid and --cgroup, which accumulate;
// - --help and --version stop parsing where they appear: later arguments are
//   not looked at, earlier errors are still reported.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "http/listen_address.h"
#include "encode/format.h"
#include "profbufd.h"

namespace profbufd::cli {

inline constexpr unsigned kDefaultFrequencyHz = 99;
// perf_event_max_sample_rate is an int sysctl: no kernel accepts more.
inline constexpr unsigned kMaxFrequencyHz = 2'147'483'647;
// --pid and --cgroup filters live in fixed-size BPF maps.
inline constexpr std::size_t kMaxPids = PROFBUFD_MAX_PIDS;
inline constexpr std::size_t kMaxCgroups = PROFBUFD_MAX_CGROUPS;
// PID_MAX_LIMIT on 64-bit kernels: /proc/sys/kernel/pid_max cannot go higher.
inline constexpr std::uint32_t kMaxPid = 4 * 1024 * 1024;
// A window shorter than this holds a handful of samples at the default rate and
// floods --output with files; treated as a typo (e.g. "10ms" for "10m").
inline constexpr std::chrono::nanoseconds kMinInterval = std::chrono::milliseconds(100);
// Push to Pyroscope: how many bytes of windows may wait to be sent, and how
// long one request may take.
inline constexpr std::uint64_t kDefaultPushQueueBytes = 16u << 20;
inline constexpr std::chrono::nanoseconds kDefaultPushTimeout = std::chrono::seconds(10);
inline constexpr std::chrono::nanoseconds kDefaultDebuginfodTimeout = std::chrono::seconds(5);
// A daemon (--http-listen or --pyroscope-url) without --interval or
// --duration closes a window this often into the in-memory store (the web
// page) and the push, and writes no files. Pyroscope's own agents upload
// every 10 or 15 s.
inline constexpr std::chrono::nanoseconds kDaemonInterval = std::chrono::seconds(10);
// --block-min: blocks shorter than this make no block record (the kernel drops
// them before unwinding). 1 ms: a thread can block at most a thousand times a
// second for that long, so the record rate stays near the CPU kind's, while
// the blocks that matter to latency (I/O, locks held across syscalls, sleeps)
// last longer; shorter handoffs show up as CPU time of the kernel instead.
inline constexpr std::chrono::nanoseconds kDefaultBlockMin = std::chrono::milliseconds(1);
inline constexpr std::chrono::nanoseconds kMaxBlockMin = std::chrono::minutes(1);
// --heap-rate: the heap kind samples one allocation per this many bytes on
// average, as Go's runtime.MemProfileRate (512 KiB): a sampled call costs a
// stack walk (~1-7 us), so at the default a process allocating 1 GB/s pays
// some 2 000 walks a second; 1 .. kMaxHeapRate.
inline constexpr std::uint64_t kDefaultHeapRate = 512 * 1024;
inline constexpr std::uint64_t kMaxHeapRate = std::uint64_t{1} << 40;
// --mutex-min: futex waits shorter than this make no mutex record (the kernel
// drops them before unwinding). 10 us: a wait that short is a handoff the
// holder finished at once (a futex sleep and wake-up alone cost some 5 us of
// two context switches), and the record's user walk (about 1 us) stays a
// small share of every wait it measures; a lock storm's short waits cost a
// counter each, no walk.
inline constexpr std::chrono::nanoseconds kDefaultMutexMin = std::chrono::microseconds(10);
inline constexpr std::chrono::nanoseconds kMaxMutexMin = std::chrono::seconds(1);

// BPF ring buffer max_entries is a u32 and must be a power of two.
inline constexpr std::uint64_t kMaxRingbufBytes = 1ULL << 31;

// --unwind-table-memory: kernel memory for the user-stack walker's tables.
inline constexpr std::uint64_t kDefaultUnwindTableBytes = 32ULL << 20;
inline constexpr std::uint64_t kMinUnwindTableBytes = 1ULL << 20;
inline constexpr std::uint64_t kMaxUnwindTableBytes = 4ULL << 30;

// --unwind: how user stacks are walked.
enum class UnwindMode {
  kAuto,   // tables from .eh_frame, frame pointers where there is none
  kDwarf,  // tables only: a frame without one ends the stack
  kFp,     // frame pointers only (the kernel's walk, bpf_get_stack)
};

// The most --http-max-connections takes: each costs a descriptor and up to
// 17 KiB of buffer while it waits.
inline constexpr std::size_t kMaxHttpConnections = 65536;

// --http-listen HOST:PORT: host (an address or a name) and port.
using HttpListen = http::ListenAddress;

struct Options {
  // Profile for this long, then write and exit. Unset: until SIGINT/SIGTERM.
  std::optional<std::chrono::nanoseconds> duration;
  unsigned frequency_hz = kDefaultFrequencyHz;
  std::string output_dir = ".";
  // Never empty, no duplicates, in the order given.
  std::vector<OutputFormat> formats = {OutputFormat::kPprof, OutputFormat::kJson};
  // Start a new window (and file set) every interval. Unset: one window for the
  // whole run. Invariant: > 0, >= kMinInterval, and <= *duration when both are
  // set; the last window ends with the run and may be shorter.
  std::optional<std::chrono::nanoseconds> interval;
  // Keep the newest `keep` windows in output_dir; 0 = keep all. Non-zero only
  // together with interval.
  unsigned keep = 0;
  // Only sample these processes (tgids). Empty: every process. Each in
  // 1..kMaxPid, no duplicates, at most kMaxPids.
  std::vector<std::uint32_t> pids;
  // Only sample tasks in these cgroups or below them, as given: a directory
  // under the cgroup2 mount or a path as /proc/PID/cgroup prints it (whether
  // it exists is preflight's check). Absolute, no duplicates, at most
  // kMaxCgroups. With pids too, a sample passing either filter is kept.
  std::vector<std::string> cgroups;
  // The file SIGHUP re-reads the frequency and filters from
  // (app/reload_config.h); it is read at start too. Unset: SIGHUP only logs.
  std::optional<std::string> config_path;
  // The sample label folded output puts as each line's root frame
  // (service_name, container_id, ...). Empty: none.
  std::string folded_root;
  // Leave samples of the idle task (pid 0) out.
  bool no_idle = false;
  // --profiles: the kinds periodic windows collect (files, the page's store,
  // the push), by name, each a registered kind (kinds/registry.h), no
  // duplicates, never empty. Each kind's files carry its name.
  std::vector<std::string> profiles = {"cpu"};
  // --block-min: the block kind records blocks at least this long (0..kMaxBlockMin).
  std::chrono::nanoseconds block_min = kDefaultBlockMin;
  // --block-sample: the share of blocks the block kind records, in (0, 1];
  // values are scaled by its inverse.
  double block_sample = 1.0;
  // --mutex-min: the mutex kind records futex waits at least this long
  // (0..kMaxMutexMin).
  std::chrono::nanoseconds mutex_min = kDefaultMutexMin;
  // --heap-rate: mean bytes between sampled allocations (1..kMaxHeapRate).
  std::uint64_t heap_rate = kDefaultHeapRate;
  // Override of the BPF ring buffer size. Invariant: a power of two, at least
  // the page size, at most kMaxRingbufBytes.
  std::optional<std::uint64_t> ringbuf_bytes;
  UnwindMode unwind = UnwindMode::kAuto;
  // Invariant: kMinUnwindTableBytes..kMaxUnwindTableBytes.
  std::uint64_t unwind_table_bytes = kDefaultUnwindTableBytes;
  // debuginfod servers, space-separated http:// or https:// URLs. Unset:
  // DEBUGINFOD_URLS, if set; else no debuginfod.
  std::optional<std::string> debuginfod_urls;
  std::chrono::nanoseconds debuginfod_timeout = kDefaultDebuginfodTimeout;
  // No source lines or inlined calls from DWARF: names only (less memory and
  // time at window close).
  bool no_lines = false;
  // No CPython frames read at sample time: Python processes show their
  // interpreter's native frames only.
  bool no_python = false;
  // Serve /metrics, /debug/pprof/profile, /healthz and / here. Unset: no HTTP
  // server. Invariant: unless http_allow_remote, every address the host
  // resolves to is loopback; port 0 means a free port chosen at bind time.
  std::optional<HttpListen> http_listen;
  // Accept a non-loopback --http-listen address. Only together with
  // http_listen.
  bool http_allow_remote = false;
  // --http-max-connections: HTTP connections open at once (1 to
  // kMaxHttpConnections). Unset: http::kDefaultMaxConnections. Only together
  // with http_listen.
  std::optional<std::size_t> http_max_connections;
  // Push every closed window to this Pyroscope server: http:// or https://,
  // no credentials, query or fragment in it; no trailing '/'. Unset: no push.
  std::optional<std::string> pyroscope_url;
  // Basic authentication: the user on the command line, the password in a
  // file (never on the command line, where every user sees it); or a bearer
  // token in a file. Both only with pyroscope_url, never both at once.
  std::optional<std::string> pyroscope_user;
  std::optional<std::string> pyroscope_password_file;
  std::optional<std::string> pyroscope_token_file;
  // X-Scope-OrgID: the tenant of a multi-tenant Pyroscope.
  std::optional<std::string> pyroscope_tenant;
  std::uint64_t pyroscope_queue_bytes = kDefaultPushQueueBytes;
  std::chrono::nanoseconds pyroscope_timeout = kDefaultPushTimeout;
  bool help = false;
  bool version = false;
};

// `args` are the arguments after the program name. Every failure is an Error
// with ExitCode::kUsage whose line() reads
// "profbufd: <flag and value>: <why> (<what to do>)".
Result<Options> parse_options(std::span<const std::string_view> args);

// argv[0] is the program name and is skipped.
Result<Options> parse_options(int argc, const char* const* argv);

}  // namespace profbufd::cli
