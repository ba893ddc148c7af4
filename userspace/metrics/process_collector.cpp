#include "metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "common/log.h"
#include "metrics/process_stats.h"

namespace profbufd::metrics {
namespace {

void note(std::string& first_error, const Error& e) {
  if (first_error.empty()) first_error = e.what + ": " + e.why;
}

}  // namespace

ProcessSnapshot read_process_snapshot(const ProcessSources& sources) {
  ProcessSnapshot snap;
  const long hz = sources.ticks_per_second > 0 ? sources.ticks_per_second
                                               : ::sysconf(_SC_CLK_TCK);
  const long page = sources.page_size > 0 ? sources.page_size : ::sysconf(_SC_PAGESIZE);

  Result<ProcPidStat> stat = [&]() -> Result<ProcPidStat> {
    Result<std::string> text = read_proc_file(sources.pid_stat);
    if (!text) return text.error();
    return parse_proc_pid_stat(*text);
  }();
  if (!stat) {
    note(snap.first_error, stat.error());
  } else if (hz <= 0 || page <= 0) {
    note(snap.first_error, make_error(ExitCode::kRuntime, "sysconf",
                                      "clock tick rate or page size unknown"));
  } else {
    const double ticks = static_cast<double>(hz);
    snap.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks;
    snap.virtual_bytes = stat->vsize_bytes;
    snap.resident_bytes = stat->rss_pages * static_cast<std::uint64_t>(page);

    Result<std::string> proc_stat = read_proc_file(sources.proc_stat);
    Result<std::uint64_t> btime =
        proc_stat ? parse_boot_time(*proc_stat) : Result<std::uint64_t>(proc_stat.error());
    if (btime)
      snap.start_time_seconds =
          static_cast<double>(*btime) + static_cast<double>(stat->starttime_ticks) / ticks;
    else
      note(snap.first_error, btime.error());
  }

  Result<std::uint64_t> fds = count_open_fds(sources.fd_dir, sources.fd_dir_is_self);
  if (fds)
    snap.open_fds = *fds;
  else
    note(snap.first_error, fds.error());

  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0)
    snap.max_fds = lim.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                                 : static_cast<double>(lim.rlim_cur);
  else
    note(snap.first_error, make_error(ExitCode::kRuntime, "getrlimit(RLIMIT_NOFILE)",
                                      std::strerror(errno)));
  return snap;
}

void write_process_metrics(const ProcessSnapshot& s, MetricWriter& w) {
  if (s.cpu_seconds)
    w.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
              *s.cpu_seconds);
  if (s.resident_bytes)
    w.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
            *s.resident_bytes);
  if (s.virtual_bytes)
    w.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", *s.virtual_bytes);
  if (s.start_time_seconds)
    w.gauge("process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.", *s.start_time_seconds);
  if (s.open_fds) w.gauge("process_open_fds", "Number of open file descriptors.", *s.open_fds);
  if (s.max_fds)
    w.gauge("process_max_fds", "Maximum number of open file descriptors.", *s.max_fds);
}

Registry::Collector process_collector(ProcessSources sources) {
  // warned: set by whichever render first sees a failure; renders are serialized
  // by the registry, but exchange() keeps the one-warning promise even if this
  // collector is shared between registries. Relaxed: it guards only the log line.
  auto warned = std::make_shared<std::atomic<bool>>(false);
  return [sources = std::move(sources), warned](MetricWriter& w) {
    const ProcessSnapshot snap = read_process_snapshot(sources);
    if (!snap.first_error.empty() && !warned->exchange(true, std::memory_order_relaxed))
      log::warning("process metrics incomplete: " + snap.first_error);
    write_process_metrics(snap, w);
  };
}

}  // namespace profbufd::metrics
