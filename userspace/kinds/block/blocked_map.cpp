#include "kinds/block/blocked_map.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>

#include <algorithm>
#include <cstring>

namespace profbufd::kinds::block {
BlockedMap::BlockedMap(int blocked_fd, int counters_fd)
    : blocked_(Fd::duplicate(blocked_fd)), counters_(Fd::duplicate(counters_fd)) {}

std::vector<BlockedThread> BlockedMap::snapshot() const {
  std::vector<BlockedThread> out;
  if (!blocked_) return out;
  // Key by key: a thread that exits meanwhile only ends the walk early if its
  // key was the cursor, which get_next_key then restarts from the first key;
  // the cap keeps such a restart from looping.
  std::uint32_t key = 0, next = 0;
  const void* cursor = nullptr;
  for (std::size_t n = 0; n < 2 * PROFBUFD_MAX_BLOCKED; ++n) {
    if (bpf_map_get_next_key(blocked_.get(), cursor, &next) != 0) break;
    key = next;
    cursor = &key;
    profbufd_blocked v{};
    if (bpf_map_lookup_elem(blocked_.get(), &key, &v) != 0) continue;
    BlockedThread t;
    t.tid = key;
    t.pid = v.pid;
    t.since_ns = v.since_ns;
    t.woken_ns = v.woken_ns;
    t.cgroup_id = v.cgroup_id;
    t.sampled = v.sampled != 0;
    std::memcpy(t.comm.data(), v.comm, t.comm.size());
    out.push_back(t);
  }
  // A restarted walk may have listed some threads twice.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.tid < b.tid; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.tid == b.tid; }),
            out.end());
  return out;
}

profbufd_block_counters BlockedMap::counters() const {
  profbufd_block_counters sum{};
  const int possible = libbpf_num_possible_cpus();
  if (!counters_ || possible <= 0) return sum;
  std::vector<profbufd_block_counters> per_cpu(static_cast<std::size_t>(possible));
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(counters_.get(), &zero, per_cpu.data()) != 0) return sum;
  for (const auto& c : per_cpu) {
    sum.untracked += c.untracked;
    sum.too_short += c.too_short;
    sum.unfinished += c.unfinished;
  }
  return sum;
}

std::uint64_t BlockedMap::untracked() const { return counters().untracked; }
std::uint64_t BlockedMap::too_short() const { return counters().too_short; }
std::uint64_t BlockedMap::unfinished() const { return counters().unfinished; }

}  // namespace profbufd::kinds::block
