// The standard process_* metrics, as Prometheus client libraries export them:
//
//   process_cpu_seconds_total      user + system CPU time, seconds
//   process_resident_memory_bytes  resident set size
//   process_virtual_memory_bytes   virtual memory size
//   process_start_time_seconds     start time, seconds since the Unix epoch
//   process_open_fds               open file descriptors
//   process_max_fds                RLIMIT_NOFILE soft limit
//
// A source that cannot be read leaves its metrics off the page (the rest still
// shows) and logs one warning per collector, not one per scrape.
#pragma once

#include <optional>
#include <string>

#include "metrics/metric_writer.h"
#include "metrics/registry.h"

namespace profbufd::metrics {

// Where the numbers come from; defaults are this process. Tests point the paths
// at fixtures.
struct ProcessSources {
  std::string pid_stat = "/proc/self/stat";
  std::string proc_stat = "/proc/stat";  // for btime
  std::string fd_dir = "/proc/self/fd";
  bool fd_dir_is_self = true;  // see count_open_fds
  long ticks_per_second = 0;   // 0: sysconf(_SC_CLK_TCK)
  long page_size = 0;          // 0: sysconf(_SC_PAGESIZE)
};

// One reading of the process's numbers; an absent field could not be read.
struct ProcessSnapshot {
  std::optional<double> cpu_seconds;
  std::optional<std::uint64_t> resident_bytes;
  std::optional<std::uint64_t> virtual_bytes;
  std::optional<double> start_time_seconds;
  std::optional<std::uint64_t> open_fds;
  std::optional<double> max_fds;  // +Inf when unlimited
  std::string first_error;        // why the first absent field is absent
};

ProcessSnapshot read_process_snapshot(const ProcessSources& sources);

// Writes the fields present in `snapshot` as process_* metrics.
void write_process_metrics(const ProcessSnapshot& snapshot, MetricWriter& writer);

// A collector for Registry::add_collector that reads `sources` at every render.
Registry::Collector process_collector(ProcessSources sources = {});

}  // namespace profbufd::metrics
