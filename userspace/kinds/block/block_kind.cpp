#include "kinds/block/block_kind.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "kinds/block/block_books.h"
#include "kinds/block/still_blocked.h"
#include "profbufd.h"

namespace profbufd::kinds::block {

std::uint16_t BlockKind::id() const { return PROFBUFD_KIND_BLOCK; }

ProfileShape BlockKind::shape() const {
  return ProfileShape{{{"contentions", "count"}, {"delay", "nanoseconds"}},
                      "delay",
                      {"contentions", "count"},
                      1};
}

std::span<const Accumulate> BlockKind::accumulators() const {
  static constexpr Accumulate kBlocksAndDelay[] = {Accumulate::kRecords, Accumulate::kSpan};
  return kBlocksAndDelay;
}

void BlockKind::attached(std::shared_ptr<const BlockedThreads> source) const {
  source_.store(std::move(source));
}

std::unique_ptr<WindowBooks> BlockKind::open_books(const Window& w) const {
  (void)w;
  auto source = source_.load();
  if (!source) return nullptr;
  return std::make_unique<BlockBooks>(std::move(source));
}

std::int64_t BlockKind::scaled(std::uint64_t x) const {
  if (config_.sample_probability >= 1.0 || config_.sample_probability <= 0.0)
    return static_cast<std::int64_t>(x);
  return std::llround(static_cast<double>(x) / config_.sample_probability);
}

void BlockKind::values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const {
  out[0] = scaled(acc[0]);
  out[1] = scaled(acc.size() > 1 ? acc[1] : 0);
}

void BlockKind::lost_values(std::uint64_t n, std::span<std::int64_t> out) const {
  out[0] = scaled(n);
  out[1] = 0;
}

void BlockKind::add_still_blocked(const Window& w, ProfileAssembly& a) const {
  const auto* books = dynamic_cast<const BlockBooks*>(w.books.get());
  if (books == nullptr || !w.cgroups.empty() || !w.containers.empty()) return;
  const auto threads = books->at_end();
  if (!threads || w.end_ns == kOpenEnded) return;
  Profile& p = a.profile();
  for (const StillBlocked& b :
       still_blocked(*threads, w.start_ns, w.end_ns, config_.min_block_ns, w.pids,
                     books->woke_after_reading())) {
    Sample s;
    s.pid = b.thread.pid;
    s.tid = b.thread.tid;
    s.comm.assign(b.thread.comm.data(), strnlen(b.thread.comm.data(), b.thread.comm.size()));
    s.values[0] = 0;
    s.values[1] = scaled(b.delay_ns);
    s.locations.push_back(a.synthetic("[still blocked]"));
    p.samples.push_back(std::move(s));
  }
  p.metadata.lost_samples["blocked_map_full"] = books->untracked();
  p.metadata.lost_samples["block_unfinished"] = books->unfinished();
  p.metadata.details.emplace_back("block_too_short",
                                  static_cast<std::int64_t>(books->too_short()));
}

void BlockKind::write_metrics(metrics::MetricWriter& w) const {
  const auto source = source_.load();
  if (!source) return;
  constexpr const char* kLostHelp =
      "Blocks the block profile lost, by reason: blocked_map_full (the BPF map of blocked "
      "threads was full), unfinished (the thread did not return from its syscall before the "
      "next recorded block on its CPU)";
  w.counter("profbufd_block_lost_total", kLostHelp, {{"reason", "blocked_map_full"}},
            source->untracked());
  w.counter("profbufd_block_lost_total", kLostHelp, {{"reason", "unfinished"}},
            source->unfinished());
  w.counter("profbufd_block_too_short_total",
            "Blocks shorter than --block-min, dropped in the kernel before any unwinding",
            source->too_short());
}

void BlockKind::finish(const Window& w, ProfileAssembly& a) const {
  add_still_blocked(w, a);
  Profile& p = a.profile();
  const auto ppm = std::llround(config_.sample_probability * 1e6);
  p.metadata.details.emplace_back("block_min_ns", static_cast<std::int64_t>(config_.min_block_ns));
  p.metadata.details.emplace_back("block_sample_probability_ppm", ppm);
  std::string scale = "blocks of at least " + std::to_string(config_.min_block_ns) + " ns";
  if (config_.sample_probability < 1.0)
    scale += ", sampled with probability " + std::to_string(config_.sample_probability) +
             ": contentions and delay scaled by 1/" +
             std::to_string(1.0 / config_.sample_probability);
  p.metadata.comments.push_back(scale);
}

}  // namespace profbufd::kinds::block
