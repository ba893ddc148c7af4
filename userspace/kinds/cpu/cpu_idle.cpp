#include "kinds/cpu/cpu_idle.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/file_text.h"

namespace profbufd::kinds::cpu {
namespace {

bool next_number(std::string_view& s, std::uint64_t& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(p - s.data()));
  return true;
}

}  // namespace

Result<CpuIdleTimes> parse_proc_stat_idle(std::string_view text,
                                          unsigned ticks_per_second) {
  if (ticks_per_second == 0)
    return make_error(ExitCode::kRuntime, "/proc/stat", "clock ticks per second is 0");
  const std::uint64_t ns_per_tick = 1'000'000'000ULL / ticks_per_second;
  CpuIdleTimes idle;
  bool any = false;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    // "cpu " is the total over all CPUs; "cpuN " is one CPU.
    if (line.size() < 4 || line.substr(0, 3) != "cpu" || line[3] < '0' || line[3] > '9')
      continue;
    line.remove_prefix(3);
    std::uint64_t cpu = 0, user, nice, system, idle_ticks, iowait = 0;
    if (!next_number(line, cpu) || !next_number(line, user) || !next_number(line, nice) ||
        !next_number(line, system) || !next_number(line, idle_ticks))
      return make_error(ExitCode::kRuntime, "/proc/stat",
                        "malformed cpu line: cpu" + std::to_string(cpu));
    next_number(line, iowait);  // absent on very old kernels
    if (cpu >= (1u << 16))
      return make_error(ExitCode::kRuntime, "/proc/stat", "cpu id out of range");
    if (idle.size() <= cpu) idle.resize(cpu + 1, 0);
    idle[cpu] = (idle_ticks + iowait) * ns_per_tick;
    any = true;
  }
  if (!any) return make_error(ExitCode::kRuntime, "/proc/stat", "no per-CPU lines");
  return idle;
}

Result<CpuIdleTimes> read_cpu_idle(const std::string& path) {
  const FileText f = read_file_text(path);
  if (f.err != 0) return make_error(ExitCode::kRuntime, path, std::strerror(f.err));
  const long hz = sysconf(_SC_CLK_TCK);
  return parse_proc_stat_idle(f.text, hz > 0 ? static_cast<unsigned>(hz) : 100);
}

}  // namespace profbufd::kinds::cpu
