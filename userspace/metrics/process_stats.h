// Readers for the numbers behind the standard process_* metrics (the names and
// meanings that Prometheus client libraries share), from /proc.
//
// Parsers take text so tests feed fixtures; the read_* functions take the path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace profbufd::metrics {

// The fields of /proc/<pid>/stat that process_* metrics need (proc(5) numbering).
struct ProcPidStat {
  std::uint64_t utime_ticks = 0;      // field 14, user CPU in clock ticks
  std::uint64_t stime_ticks = 0;      // field 15, system CPU in clock ticks
  std::uint64_t starttime_ticks = 0;  // field 22, start time in ticks after boot
  std::uint64_t vsize_bytes = 0;      // field 23, virtual memory size in bytes
  std::uint64_t rss_pages = 0;        // field 24, resident set in pages
};

// Parses one line of /proc/<pid>/stat. The command name (field 2) sits in
// parentheses and may itself hold spaces and ')', so fields are counted from the
// last ')' of the line.
Result<ProcPidStat> parse_proc_pid_stat(std::string_view text);

// The "btime <epoch seconds>" line of /proc/stat: when the system booted.
Result<std::uint64_t> parse_boot_time(std::string_view proc_stat);

// Reads a small /proc file whole (proc files report size 0, so read until EOF).
Result<std::string> read_proc_file(const std::string& path);

// Open file descriptors listed in an fd directory (/proc/<pid>/fd). When the
// directory is our own (`self`, /proc/self/fd), the descriptor opened to read it
// shows up in the listing and is left out of the count.
Result<std::uint64_t> count_open_fds(const std::string& fd_dir, bool self);

}  // namespace profbufd::metrics
