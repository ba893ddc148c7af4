#include "kinds/cpu/cpu_kind.h"

#include <array>
#include <string>
#include <utility>

#include "kinds/cpu/idle_books.h"
#include "profbufd.h"

namespace profbufd::kinds::cpu {

CpuKind::CpuKind(CpuConfig config) : config_(std::move(config)) {}

std::uint16_t CpuKind::id() const { return PROFBUFD_KIND_CPU; }

std::int64_t CpuKind::period_ns() const {
  return config_.frequency_hz ? 1'000'000'000LL / config_.frequency_hz : 0;
}

ProfileShape CpuKind::shape() const {
  return ProfileShape{{{"samples", "count"}, {"cpu", "nanoseconds"}},
                      "cpu",
                      {"cpu", "nanoseconds"},
                      period_ns()};
}

std::unique_ptr<WindowBooks> CpuKind::open_books(const Window& w) const {
  // Idle belongs to a whole-machine profile, not to one process's.
  if (config_.no_idle || config_.pid_filtered || !w.pids.empty()) return nullptr;
  return std::make_unique<IdleBooks>(w.records_by_cpu.size(), config_.proc_stat);
}

void CpuKind::values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
  lost_values(acc[0], out);
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
  p.metadata.details.emplace_back("frequency_hz", static_cast<std::int64_t>(config_.frequency_hz));
  p.metadata.details.emplace_back("idle_accounted_samples", idle);
  p.metadata.comments.push_back("cpus " + std::to_string(p.metadata.cpus) + ", frequency " +
                                std::to_string(config_.frequency_hz) + " Hz");
  p.metadata.comments.push_back("samples " + std::to_string(p.total(0)));
}

// The part of each CPU's idle time not already covered by sampled idle-task
// ticks, as samples of swapper/N on "[idle]".
std::int64_t CpuKind::add_idle(const Window& w, ProfileAssembly& a) const {
  const auto* books = dynamic_cast<const IdleBooks*>(w.books.get());
  const std::int64_t period = period_ns();
  if (books == nullptr || period <= 0) return 0;
  const auto idle = books->idle_ns();
  if (!idle) return 0;
  Profile& p = a.profile();
  std::int64_t accounted = 0;
  for (std::size_t cpu = 0; cpu < idle->size(); ++cpu) {
    const auto per = static_cast<std::uint64_t>(period);
    const std::uint64_t expected = ((*idle)[cpu] + per / 2) / per;
    const std::uint64_t sampled = cpu < books->sampled().size() ? books->sampled()[cpu] : 0;
    if (expected <= sampled) continue;
    Sample s;
    s.comm = "swapper/" + std::to_string(cpu);
    values(std::array<std::uint64_t, 1>{expected - sampled}, s.values);
    s.locations.push_back(a.synthetic("[idle]"));
    accounted += s.values[0];
    p.samples.push_back(std::move(s));
  }
  return accounted;
}

}  // namespace profbufd::kinds::cpu
