#include "kinds/cpu/cpu_kind.h"

#include <array>
#include <string>
#include <utility>

#include "kinds/cpu/idle_books.h"
#include "profbufd.h"

namespace profbufd::kinds::cpu {

CpuKind::CpuKind(CpuConfig config)
    : config_(std::move(config)), frequency_hz_(config_.frequency_hz),
      filtered_(config_.filtered) {}

std::uint16_t CpuKind::id() const { return PROFBUFD_KIND_CPU; }

std::int64_t CpuKind::period_ns() const {
  // As the kernel turns a cpu-clock frequency into a period.
  const unsigned hz = frequency_hz();
  return hz ? 1'000'000'000LL / hz : 0;
}

void CpuKind::settings_changed(unsigned frequency_hz, bool filtered) const {
  frequency_hz_.store(frequency_hz, std::memory_order_relaxed);
  filtered_.store(filtered, std::memory_order_relaxed);
}

std::span<const Accumulate> CpuKind::accumulators() const {
  static constexpr Accumulate kTicksAndTime[] = {Accumulate::kRecords, Accumulate::kValue};
  return kTicksAndTime;
}

ProfileShape CpuKind::shape() const {
  return ProfileShape{{{"samples", "count"}, {"cpu", "nanoseconds"}},
                      "cpu",
                      {"cpu", "nanoseconds"},
                      period_ns()};
}

std::unique_ptr<WindowBooks> CpuKind::open_books(const Window& w) const {
  // Idle belongs to a whole-machine profile, not to one process's.
  if (config_.no_idle || filtered_.load(std::memory_order_relaxed) || !w.pids.empty() ||
      !w.cgroups.empty() || !w.containers.empty())
    return nullptr;
  return std::make_unique<IdleBooks>(w.records_by_cpu.size(), config_.proc_stat);
}

void CpuKind::values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(acc[0]);
  out[1] = static_cast<std::int64_t>(acc.size() > 1 ? acc[1] : 0);
}

void CpuKind::lost_values(std::uint64_t n, std::span<std::int64_t> out) const {
  // Unsigned multiply: wraps instead of UB on absurd inputs; real values
  // (n <= 2^32 ticks, period <= 1 s) are far from the limit.
  out[0] = static_cast<std::int64_t>(n);
  out[1] = static_cast<std::int64_t>(n * static_cast<std::uint64_t>(period_ns()));
}

void CpuKind::finish(const Window& w, ProfileAssembly& a) const {
  const std::int64_t idle = add_idle(w, a);
  Profile& p = a.profile();
  const unsigned hz = frequency_hz();
  p.metadata.details.emplace_back("frequency_hz", static_cast<std::int64_t>(hz));
  p.metadata.details.emplace_back("idle_accounted_samples", idle);
  p.metadata.comments.push_back("cpus " + std::to_string(p.metadata.cpus) + ", frequency " +
                                std::to_string(hz) + " Hz");
  p.metadata.comments.push_back("samples " + std::to_string(p.total(0)));
}

// The part of each CPU's idle time not already covered by sampled idle-task
// ticks, as samples of swapper/N on "[idle]": its time exactly, and as ticks
// of the current period (rounded), so both values stay comparable.
std::int64_t CpuKind::add_idle(const Window& w, ProfileAssembly& a) const {
  const auto* books = dynamic_cast<const IdleBooks*>(w.books.get());
  const std::int64_t period = period_ns();
  if (books == nullptr || period <= 0 || w.filters_changed) return 0;
  const auto idle = books->idle_ns();
  if (!idle) return 0;
  Profile& p = a.profile();
  std::int64_t accounted = 0;
  const auto per = static_cast<std::uint64_t>(period);
  for (std::size_t cpu = 0; cpu < idle->size(); ++cpu) {
    const std::uint64_t sampled = cpu < books->sampled_ns().size() ? books->sampled_ns()[cpu] : 0;
    if ((*idle)[cpu] <= sampled) continue;
    const std::uint64_t missed = (*idle)[cpu] - sampled;
    const std::uint64_t ticks = (missed + per / 2) / per;
    if (ticks == 0) continue;
    Sample s;
    s.comm = "swapper/" + std::to_string(cpu);
    values(std::array<std::uint64_t, 2>{ticks, missed}, s.values);
    s.locations.push_back(a.synthetic("[idle]"));
    accounted += s.values[0];
    p.samples.push_back(std::move(s));
  }
  return accounted;
}

}  // namespace profbufd::kinds::cpu
