// One aggregation window: every sample whose time falls in [start, end) (CLOCK_MONOTONIC
// ns, the clock of bpf_ktime_get_ns), aggregated, plus what was lost meanwhile.
//
// The reader thread is the only writer while the window is open; once the reader
// hands it over (closed), it is only read. The hand-over goes through the reader's
// mutex, which orders the two.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/stack_table.h"

namespace profbufd {

class ProcessMaps;

inline constexpr std::uint64_t kOpenEnded = std::numeric_limits<std::uint64_t>::max();

struct Window {
  Window(std::uint64_t start_ns, std::uint64_t end_ns, std::size_t ncpus)
      : start_ns(start_ns), end_ns(end_ns), samples_by_cpu(ncpus, 0),
        idle_sampled_by_cpu(ncpus, 0),
        profbuf_overflow_by_cpu(ncpus, 0) {}

  // A sample at time t belongs here. `absorb_earlier` makes the window also take
  // samples older than its start that arrive after the window before it closed:
  // file windows tile time, so a late sample is counted, never dropped.
  bool contains(std::uint64_t t) const {
    return (t >= start_ns || absorb_earlier) && t < end_ns;
  }

  std::uint64_t start_ns;
  std::uint64_t end_ns;  // kOpenEnded until it is given an end
  bool absorb_earlier = false;
  // Only samples of these processes (tgids); empty: every process. For
  // requests that ask for one process (HTTP ?pid=).
  std::vector<std::uint32_t> pids;
  std::int64_t start_unix_ns = 0;  // wall clock at start, for the profile
  std::int64_t end_unix_ns = 0;    // wall clock when it ended

  StackTable stacks;
  std::vector<std::uint64_t> samples_by_cpu;
  std::vector<std::uint64_t> idle_sampled_by_cpu;  // samples of pid 0 (idle task)
  // Idle nanoseconds of each CPU over the window (capture/cpu_idle.h), set by
  // whoever ends the window, before handing it to the reader to close; empty
  // when not measured.
  std::vector<std::uint64_t> idle_ns_by_cpu;
  std::vector<std::uint64_t> idle_at_start;  // raw counters when it opened
  std::vector<std::uint64_t> profbuf_overflow_by_cpu;  // discarded by a full ProfBuf
  std::uint64_t ringbuf_full = 0;                       // BPF reservations that failed
  // The /proc/PID/maps snapshot of every process with a sample here, taken when
  // profbufd first saw the pid (null if the process was gone by then).
  std::unordered_map<std::uint32_t, std::shared_ptr<const ProcessMaps>> maps;

  std::uint64_t lost() const {
    std::uint64_t n = ringbuf_full;
    for (auto v : profbuf_overflow_by_cpu) n += v;
    return n;
  }
};

}  // namespace profbufd
