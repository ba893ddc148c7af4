// The /metrics series of Python frames: the processes found running CPython
// (python/processes.h), the BPF walker's counters (bpf/python.h), and the
// code objects read to name its frames (python/frame_resolver.h).
#pragma once

#include "metrics/metric_writer.h"
#include "python/code_prefetch.h"
#include "python/frame_resolver.h"
#include "unwind/unwinder.h"

namespace profbufd {

void python_walker_metrics(metrics::MetricWriter& w, const unwind::UnwinderStats& s);
void python_code_metrics(metrics::MetricWriter& w, const python::FrameResolver::Stats& s);
void python_prefetch_metrics(metrics::MetricWriter& w, const python::CodePrefetch::Stats& s);

}  // namespace profbufd
