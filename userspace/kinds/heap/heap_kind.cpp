#include "kinds/heap/heap_kind.h"

#include <string>
#include <utility>

#include "kinds/heap/heap_books.h"
#include "kinds/heap/heap_scale.h"
#include "profbufd.h"

namespace profbufd::kinds::heap {

std::uint16_t HeapKind::id() const { return PROFBUFD_KIND_HEAP; }

ProfileShape HeapKind::shape() const {
  return ProfileShape{{{"alloc_objects", "count"},
                       {"alloc_space", "bytes"},
                       {"inuse_objects", "count"},
                       {"inuse_space", "bytes"}},
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
  out[2] = 0;
  out[3] = 0;
}

void HeapKind::stack_values(const Window& w, std::span<const std::uint64_t> stack,
                            std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
  values(acc, out);
  const auto* books = dynamic_cast<const HeapBooks*>(w.books.get());
  if (books == nullptr) return;
  const InUse u = books->in_use(stack);
  const HeapEstimate e = scale_heap_sample(u.objects, u.bytes, config_.rate);
  out[2] = e.objects;
  out[3] = e.bytes;
}

void HeapKind::lost_values(std::uint64_t n, std::span<std::int64_t> out) const {
  out[0] = static_cast<std::int64_t>(n);
  out[1] = static_cast<std::int64_t>(n * config_.rate);
  out[2] = 0;
  out[3] = 0;
}

std::unique_ptr<WindowBooks> HeapKind::open_books(const Window& w) const {
  auto prober = prober_.load();
  if (!prober || w.pids.size() != 1) return nullptr;
  return std::make_unique<HeapBooks>(std::move(prober), w.pids[0], w.start_ns,
                                     w.default_sample_type.starts_with("inuse_"));
}

namespace {

// What the probed calls added up to over the window, and for a window of
// in-use memory what in-use could not count.
void note_books(const HeapBooks& books, ProfileMetadata& m) {
  const profbufd_heap_counters c = books.counted();
  m.lost_samples["heap_untracked"] = c.untracked;
  m.details.emplace_back("heap_calls", static_cast<std::int64_t>(c.calls));
  m.details.emplace_back("heap_call_bytes", static_cast<std::int64_t>(c.bytes));
  if (!books.tracks_in_use()) return;
  m.lost_samples["heap_live_full"] = c.live_full;
  m.lost_samples["heap_inuse_unmatched"] = books.unmatched();
  m.lost_samples["heap_inuse_unnoted"] = books.unnoted();
  m.details.emplace_back("heap_sampled_freed", static_cast<std::int64_t>(c.freed));
}

}  // namespace

void HeapKind::finish(const Window& w, ProfileAssembly& a) const {
  Profile& p = a.profile();
  const auto* books = dynamic_cast<const HeapBooks*>(w.books.get());
  if (books != nullptr) note_books(*books, p.metadata);
  // Frees were not probed (an allocs request): no in-use to show.
  if (books == nullptr || !books->tracks_in_use()) p.sample_types.resize(2);
  p.metadata.details.emplace_back("heap_rate_bytes", static_cast<std::int64_t>(config_.rate));
  p.metadata.comments.push_back("allocations sampled once per " + std::to_string(config_.rate) +
                                " bytes on average, values scaled as Go's scaleHeapSample; "
                                "inuse: allocated in the window and not freed by its end");
}

Hold HeapKind::hold(std::span<const std::uint32_t> pids, std::string_view sample_type) const {
  if (pids.size() != 1)
    return Hold::refused(
        Hold::Refusal::kBadRequest,
        make_error(ExitCode::kUsage, "heap profile", "needs exactly one pid=",
                   "allocations are probed in one process at a time: add pid=PID"));
  auto prober = prober_.load();
  if (!prober)
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, "heap profile", "not loaded"));
  return prober->acquire(pids[0], sample_type.starts_with("inuse_"));
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
  constexpr std::string_view kLostHelp =
      "Allocations the heap profile could not sample or track, by reason: untracked (no room "
      "for the thread's countdown in the kernel: not sampled), live_full (sampled, but no room "
      "in heap_live: not counted as in use)";
  w.counter("profbufd_heap_lost_total", kLostHelp, {{"reason", "untracked"}}, c.untracked);
  w.counter("profbufd_heap_lost_total", kLostHelp, {{"reason", "live_full"}}, c.live_full);
  w.counter("profbufd_heap_freed_total",
            "Sampled allocations freed (free, or realloc moving them) while probed", c.freed);
}

}  // namespace profbufd::kinds::heap
