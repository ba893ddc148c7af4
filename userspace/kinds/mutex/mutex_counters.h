// What the mutex kind's BPF side counts beyond its records
// (struct profbufd_mutex_counters, bpf/mutex.bpf.c): an interface, so that
// the kind's books are tested without BPF; MutexCountersMap reads the real
// per-CPU map.
#pragma once

#include <cstdint>

#include "common/fd.h"
#include "profbufd.h"

namespace profbufd::kinds::mutex {

class MutexCounters {
 public:
  virtual ~MutexCounters() = default;
  // Both monotonic, summed over CPUs: waits that could not be tracked, and
  // waits shorter than the minimum (no record).
  virtual profbufd_mutex_counters read() const = 0;
};

class MutexCountersMap final : public MutexCounters {
 public:
  // Duplicates the fd (valid after the BPF object is gone); an fd that
  // cannot be duplicated reads as zeros.
  explicit MutexCountersMap(int counters_fd);
  profbufd_mutex_counters read() const override;

 private:
  Fd fd_;
};

}  // namespace profbufd::kinds::mutex
