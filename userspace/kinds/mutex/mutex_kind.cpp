#include "kinds/mutex/mutex_kind.h"

#include <string>
#include <utility>

#include "kinds/mutex/mutex_books.h"
#include "profbufd.h"

namespace profbufd::kinds::mutex {

std::uint16_t MutexKind::id() const { return PROFBUFD_KIND_MUTEX; }

ProfileShape MutexKind::shape() const {
  return ProfileShape{{{"contentions", "count"}, {"delay", "nanoseconds"}},
                      "delay",
                      {"contentions", "count"},
                      1};
}

std::span<const Accumulate> MutexKind::accumulators() const {
  static constexpr Accumulate kWaitsAndDelay[] = {Accumulate::kRecords, Accumulate::kSpan};
  return kWaitsAndDelay;
}

void MutexKind::attached(std::shared_ptr<const MutexCounters> source) const {
  source_.store(std::move(source));
}

std::unique_ptr<WindowBooks> MutexKind::open_books(const Window& w) const {
  (void)w;
  auto source = source_.load();
  if (!source) return nullptr;
  return std::make_unique<MutexBooks>(std::move(source));
}

void MutexKind::values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(acc[0]);
  out[1] = static_cast<std::int64_t>(acc.size() > 1 ? acc[1] : 0);
}

void MutexKind::lost_values(std::uint64_t n, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(n);
  out[1] = 0;
}

void MutexKind::finish(const Window& w, ProfileAssembly& a) const {
  Profile& p = a.profile();
  if (const auto* books = dynamic_cast<const MutexBooks*>(w.books.get())) {
    const profbufd_mutex_counters c = books->in_window();
    p.metadata.lost_samples["futex_untracked"] = c.untracked;
    p.metadata.details.emplace_back("mutex_too_short", static_cast<std::int64_t>(c.too_short));
  }
  p.metadata.details.emplace_back("mutex_min_ns", static_cast<std::int64_t>(config_.min_wait_ns));
  p.metadata.comments.push_back("futex waits of at least " + std::to_string(config_.min_wait_ns) +
                                " ns, every one (not sampled, not scaled)");
}

void MutexKind::write_metrics(metrics::MetricWriter& w) const {
  const auto source = source_.load();
  if (!source) return;
  const profbufd_mutex_counters c = source->read();
  w.counter("profbufd_mutex_lost_total",
            "Futex waits the mutex profile lost, by reason: untracked (no per-thread storage "
            "for the waiter in the kernel)",
            {{"reason", "untracked"}}, c.untracked);
  w.counter("profbufd_mutex_too_short_total",
            "Futex waits shorter than --mutex-min, dropped in the kernel before any unwinding",
            c.too_short);
}

}  // namespace profbufd::kinds::mutex
