#include "kinds/mutex/mutex_books.h"

namespace profbufd::kinds::mutex {
namespace {

std::uint64_t since(std::uint64_t now, std::uint64_t then) { return now >= then ? now - then : 0; }

}  // namespace

void MutexBooks::begin() {
  const profbufd_mutex_counters now = source_->read();
  std::lock_guard lock(mu_);
  at_begin_ = now;
}

void MutexBooks::end() {
  const profbufd_mutex_counters now = source_->read();
  std::lock_guard lock(mu_);
  if (delta_ || !at_begin_) return;
  delta_ = profbufd_mutex_counters{since(now.untracked, at_begin_->untracked),
                                   since(now.too_short, at_begin_->too_short)};
}

profbufd_mutex_counters MutexBooks::in_window() const {
  std::lock_guard lock(mu_);
  return delta_.value_or(profbufd_mutex_counters{});
}

}  // namespace profbufd::kinds::mutex
