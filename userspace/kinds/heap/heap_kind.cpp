#include "kinds/heap/heap_kind.h"

#include <string>
#include <utility>

#include "kinds/heap/heap_scale.h"
#include "profbufd.h"

namespace profbufd::kinds::heap {

std::uint16_t HeapKind::id() const { return PROFBUFD_KIND_HEAP; }

ProfileShape HeapKind::shape() const {
  return ProfileShape{{{"alloc_objects", "count"}, {"alloc_space", "bytes"}},
                      "alloc_space",
                      {"space", "bytes"},
                      static_cast<std::int64_t>(config_.rate)};
}

std::span<const Accumulate> HeapKind::accumulators() const {
  static constexpr Accumulate kObjectsAndBytes[] = {Accumulate::kRecords, Accumulate::kValue};
  return kObjectsAndBytes;
}

void HeapKind::values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
  const HeapEstimate e = scale_heap_sample(acc[0], acc.size() > 1 ? acc[1] : 0, config_.rate);
  out[0] = e.objects;
  out[1] = e.bytes;
}

void HeapKind::lost_values(std::uint64_t n, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(n);
  out[1] = static_cast<std::int64_t>(n * config_.rate);
}

void HeapKind::finish(const Window& w, ProfileAssembly& a) const {
  (void)w;
  Profile& p = a.profile();
  p.metadata.details.emplace_back("heap_rate_bytes", static_cast<std::int64_t>(config_.rate));
  p.metadata.comments.push_back("allocations sampled once per " + std::to_string(config_.rate) +
                                " bytes on average, values scaled as Go's scaleHeapSample");
}

Hold HeapKind::hold(std::span<const std::uint32_t> pids) const {
  if (pids.size() != 1)
    return Hold::refused(
        Hold::Refusal::kBadRequest,
        make_error(ExitCode::kUsage, "heap profile", "needs exactly one pid=",
                   "allocations are probed in one process at a time: add pid=PID"));
  auto prober = prober_.load();
  if (!prober)
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, "heap profile", "not loaded"));
  return prober->acquire(pids[0]);
}

void HeapKind::attached(std::shared_ptr<HeapProber> prober) const {
  prober_.store(std::move(prober));
}

void HeapKind::write_metrics(metrics::MetricWriter& w) const {
  const auto prober = prober_.load();
  if (!prober) return;
  const profbufd_heap_counters c = prober->counters();
  w.counter("profbufd_heap_calls_total",
            "malloc, calloc and realloc calls seen by the heap profile's uprobes", c.calls);
  w.counter("profbufd_heap_bytes_total", "Bytes those calls asked for", c.bytes);
  w.counter("profbufd_heap_lost_total",
            "Allocations the heap profile could not sample, by reason: untracked (no room "
            "for the thread's countdown in the kernel)",
            {{"reason", "untracked"}}, c.untracked);
}

}  // namespace profbufd::kinds::heap
