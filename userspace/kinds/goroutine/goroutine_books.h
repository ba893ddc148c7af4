// What a goroutine window keeps beyond its stacks: how its snapshot went,
// written by GoroutineKind::snapshot() on the request's thread before the
// window ends, read by finish() after the hand-over (ordered by the reader's
// lock).
#pragma once

#include "core/window_books.h"
#include "kinds/goroutine/snapshot_reader.h"

namespace profbufd::kinds::goroutine {

struct GoroutineBooks final : WindowBooks {
  bool taken = false;  // false: the kind was not loaded, no iterator ran
  SnapshotCount count;
};

}  // namespace profbufd::kinds::goroutine
