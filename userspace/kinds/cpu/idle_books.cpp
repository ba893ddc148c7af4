#include "kinds/cpu/idle_books.h"

#include <algorithm>
#include <utility>

namespace profbufd::kinds::cpu {
namespace {

CpuIdleTimes read_or_empty(const std::string& path) {
  auto t = read_cpu_idle(path);
  return t.ok() ? std::move(t).value() : CpuIdleTimes{};
}

}  // namespace

std::vector<std::uint64_t> idle_between(const CpuIdleTimes& start, const CpuIdleTimes& end,
                                        std::size_t ncpus) {
  std::vector<std::uint64_t> out(ncpus, 0);
  for (std::size_t cpu = 0; cpu < ncpus; ++cpu)
    if (cpu < start.size() && cpu < end.size() && end[cpu] >= start[cpu])
      out[cpu] = end[cpu] - start[cpu];
  return out;
}

IdleBooks::IdleBooks(std::size_t ncpus, std::string proc_stat)
    : proc_stat_(std::move(proc_stat)), sampled_(ncpus, 0) {}

void IdleBooks::begin() {
  CpuIdleTimes now = read_or_empty(proc_stat_);
  std::lock_guard lock(mu_);
  at_start_ = std::move(now);
}

void IdleBooks::end() {
  const CpuIdleTimes now = read_or_empty(proc_stat_);
  std::lock_guard lock(mu_);
  if (idle_ns_ || at_start_.empty() || now.empty()) return;
  idle_ns_ = idle_between(at_start_, now, sampled_.size());
}

std::optional<std::vector<std::uint64_t>> IdleBooks::idle_ns() const {
  std::lock_guard lock(mu_);
  return idle_ns_;
}

}  // namespace profbufd::kinds::cpu
