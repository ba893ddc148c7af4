#include "kinds/block/block_books.h"

#include <utility>

#include "common/clock.h"

namespace profbufd::kinds::block {

BlockBooks::BlockBooks(std::shared_ptr<const BlockedThreads> source)
    : source_(std::move(source)) {}

namespace {

std::array<std::uint64_t, 3> counters(const BlockedThreads& s) {
  return {s.untracked(), s.too_short(), s.unfinished()};
}

}  // namespace

void BlockBooks::note(HeaderWords header, std::uint64_t time_ns, std::span<const std::uint64_t>) {
  if (time_ns > read_at_ns_.load(std::memory_order_acquire))
    woke_.insert(static_cast<std::uint32_t>(header[0] >> 32));  // the tid (core/record.h)
}

void BlockBooks::begin() {
  const auto now = counters(*source_);
  std::lock_guard lock(mu_);
  at_begin_ = now;
}

void BlockBooks::end() {
  read_at_ns_.store(monotonic_ns(), std::memory_order_release);
  std::vector<BlockedThread> threads = source_->snapshot();
  const auto now = counters(*source_);
  std::lock_guard lock(mu_);
  if (at_end_) return;
  at_end_ = std::move(threads);
  if (!at_begin_) return;
  for (std::size_t i = 0; i < now.size(); ++i)
    delta_[i] = now[i] >= (*at_begin_)[i] ? now[i] - (*at_begin_)[i] : 0;
}

std::optional<std::vector<BlockedThread>> BlockBooks::at_end() const {
  std::lock_guard lock(mu_);
  return at_end_;
}

std::uint64_t BlockBooks::untracked() const {
  std::lock_guard lock(mu_);
  return delta_[0];
}

std::uint64_t BlockBooks::too_short() const {
  std::lock_guard lock(mu_);
  return delta_[1];
}

std::uint64_t BlockBooks::unfinished() const {
  std::lock_guard lock(mu_);
  return delta_[2];
}

}  // namespace profbufd::kinds::block
