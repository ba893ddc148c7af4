// Idle-time bookkeeping of windows (see capture/cpu_idle.h): a window records the
// kernel's per-CPU idle counters when it opens and the difference when it ends,
// and the profile builder turns the part the sampler missed into [idle] samples.
// Best effort: a /proc/stat that cannot be read leaves a window without it.
#pragma once

#include <memory>

#include "core/reader.h"
#include "kinds/cpu/cpu_idle.h"

namespace profbufd {

capture::CpuIdleTimes read_idle();

// Sets w.idle_ns_by_cpu from the counters at its end.
void set_idle_end(Window& w, const capture::CpuIdleTimes& end);

// At a boundary: one reading ends the books of `ended` and (if given) opens those
// of `begun`. Both are shared with the reader, hence the update under its lock.
void close_idle_books(Reader& reader, const std::shared_ptr<Window>& ended,
                      const std::shared_ptr<Window>& begun);

}  // namespace profbufd
