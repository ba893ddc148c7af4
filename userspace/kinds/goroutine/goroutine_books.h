// What a goroutine window keeps beyond its stacks: how its snapshot went,
// written by GoroutineKind::snapshot() on the request's thread before the
// window ends, read by finish() after the hand-over (ordered by the reader's
// lock); and how many of its records the reader has routed to it, which the
// snapshot waits on.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/window_books.h"
#include "kinds/goroutine/snapshot_reader.h"

namespace profbufd::kinds::goroutine {

struct GoroutineBooks final : WindowBooks {
  void note(HeaderWords, std::uint64_t, std::span<const std::uint64_t>) override {
    noted.fetch_add(1, std::memory_order_relaxed);
  }
  bool taken = false;  // false: the kind was not loaded, no iterator ran
  SnapshotCount count;
  // Written by the reader thread (note), read by the snapshot's thread,
  // which only compares it with its own count: relaxed.
  std::atomic<std::uint64_t> noted{0};
};

}  // namespace profbufd::kinds::goroutine
