#include "unwind/walker_reports.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <vector>

namespace profbufd::unwind {

std::optional<ProcessEnds::End> end_of(const uw_event& e) {
  if (e.kind != UW_EVENT_EXEC && e.kind != UW_EVENT_EXIT) return std::nullopt;
  return ProcessEnds::End{
      .pid = e.pid,
      .why = e.kind == UW_EVENT_EXEC ? ProcessEnds::Why::kExec : ProcessEnds::Why::kExit,
      .time_ns = e.time_ns};
}

uw_counters sum_walker_counters(int counters_fd) {
  uw_counters sum{};
  // One lookup returns every CPU's copy.
  const int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0 || counters_fd < 0) return sum;
  std::vector<uw_counters> per_cpu(static_cast<std::size_t>(ncpus));
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(counters_fd, &zero, per_cpu.data()) == 0)
    for (const uw_counters& c : per_cpu)
      for (int i = 0; i < UW_C__COUNT; ++i) sum.c[i] += c.c[i];
  return sum;
}

}  // namespace profbufd::unwind
