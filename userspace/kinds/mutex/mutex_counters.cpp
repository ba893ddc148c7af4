#include "kinds/mutex/mutex_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>

#include <vector>

namespace profbufd::kinds::mutex {

MutexCountersMap::MutexCountersMap(int counters_fd)
    : fd_(Fd::duplicate(counters_fd)) {}

profbufd_mutex_counters MutexCountersMap::read() const {
  profbufd_mutex_counters sum{};
  const int possible = libbpf_num_possible_cpus();
  if (!fd_ || possible <= 0) return sum;
  std::vector<profbufd_mutex_counters> per_cpu(static_cast<std::size_t>(possible));
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(fd_.get(), &zero, per_cpu.data()) != 0) return sum;
  for (const auto& c : per_cpu) {
    sum.untracked += c.untracked;
    sum.too_short += c.too_short;
  }
  return sum;
}

}  // namespace profbufd::kinds::mutex
