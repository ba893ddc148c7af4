// The /metrics series of the user-stack unwinder (unwind/unwinder.h): its
// tables in the kernel, their builds, and the BPF walker's counters, read at
// scrape time.
#pragma once

#include "metrics/metric_writer.h"

namespace profbufd {

namespace unwind {
class Unwinder;
}

// `unwinder` null: user stacks are walked by frame pointers only (--unwind fp,
// or auto after the walker failed to load); the series say so and stay 0.
void unwind_metrics(metrics::MetricWriter& w, const unwind::Unwinder* unwinder);

}  // namespace profbufd
