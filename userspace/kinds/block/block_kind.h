// The block kind: off-CPU time, every thread's blocking intervals
// (bpf/block.bpf.c), as Go's block profile describes contention:
//
//   sample_type  [contentions/count, delay/nanoseconds], default "delay"
//   period_type  contentions/count, period 1
//   values       [blocks that ended, nanoseconds blocked inside the window]
//
// Only blocks of at least min_block_ns are recorded (the kernel drops shorter
// ones before unwinding), and of those a share sample_probability, chosen at
// random when the thread blocks; counts and delays are scaled by
// 1 / sample_probability, as Go scales its sampled block events, and the
// profile says so (comments and details block_min_ns,
// block_sample_probability_ppm).
//
// Window boundaries (kinds/block/still_blocked.h): a block that began before
// the window counts from the window's start (Accumulate::kSpan); threads
// still blocked when the window ends get their part so far as samples on a
// "[still blocked]" frame (their stack is taken only when they wake), with no
// contention counted: it is counted where the block ends. So the delay of a
// thread blocked the whole window is the window's length. Windows that select
// cgroups or containers get no "[still blocked]" samples (the selection is
// applied to stacks by the labeler, which these samples do not pass through).
//
// Blocks the BPF side could not track (its map of PROFBUFD_MAX_BLOCKED
// threads was full) are lost samples "[lost: blocked_map_full]"; recorded
// blocks whose thread did not return from its syscall before the next one on
// its CPU (bpf/block.bpf.c) are "[lost: block_unfinished]".
//
// The source of the map is set once, after attach (attached()); until then,
// and if it never is, windows keep no books.
#pragma once

#include <atomic>
#include <memory>

#include "kinds/block/blocked_threads.h"
#include "kinds/kind.h"

namespace profbufd::kinds::block {

inline constexpr std::uint64_t kDefaultMinBlockNs = 1'000'000;  // --block-min 1ms

struct BlockConfig {
  std::uint64_t min_block_ns = kDefaultMinBlockNs;
  double sample_probability = 1.0;  // (0, 1]
};

class BlockKind final : public Kind {
 public:
  explicit BlockKind(BlockConfig config) : config_(config) {}

  std::uint16_t id() const override;
  std::string_view name() const override { return "block"; }
  ProfileShape shape() const override;
  // Blocks, and their nanoseconds clipped to the window.
  std::span<const Accumulate> accumulators() const override;
  // A guess for sizing: few threads block for a millisecond or more hundreds
  // of times a second.
  unsigned records_per_cpu_second() const override { return 200; }
  std::unique_ptr<WindowBooks> open_books(const Window& w) const override;
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  // Lost blocks: counted (scaled), of unknown delay.
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override;
  // "[still blocked]" samples, lost blocked_map_full, and the scale.
  void finish(const Window& w, ProfileAssembly& a) const override;

  // profbufd_block_lost_total{reason="blocked_map_full"|"unfinished"} and
  // profbufd_block_too_short_total, from the BPF counters.
  void write_metrics(metrics::MetricWriter& w) const override;

  // Called once the BPF side runs (kinds/block/block_attach.cpp).
  void attached(std::shared_ptr<const BlockedThreads> source) const;
  const BlockConfig& config() const { return config_; }
  // x / sample_probability, rounded.
  std::int64_t scaled(std::uint64_t x) const;

 private:
  void add_still_blocked(const Window& w, ProfileAssembly& a) const;

  const BlockConfig config_;
  // Set once by attached() (the attaching thread), read by window openers:
  // the atomic shared_ptr orders the source's construction before its use.
  mutable std::atomic<std::shared_ptr<const BlockedThreads>> source_;
};

}  // namespace profbufd::kinds::block
