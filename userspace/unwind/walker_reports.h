// What the BPF side of the unwinder reports to userspace, read the same way
// wherever it is read: the end of a program in a uw_events report (for the
// Unwinder, and for the EndListener when the walker is off), and the per-CPU
// walker counters summed (uw_counters: walks, requests, end reports lost).
#pragma once

#include <optional>

#include "process/process_ends.h"
#include "unwind.h"

namespace profbufd::unwind {

// The exec or exit a report tells of; nullopt for the other reports.
std::optional<ProcessEnds::End> end_of(const uw_event& e);

// The uw_counters map (capture::SharedMap::kUwCounters) summed over CPUs;
// zeros when it cannot be read.
uw_counters sum_walker_counters(int counters_fd);

}  // namespace profbufd::unwind
