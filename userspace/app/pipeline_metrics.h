// The /metrics page's profbufd_* series: numbers the pipeline already keeps,
// read at scrape time (no bookkeeping on the sampling path).
#pragma once

#include "metrics/registry.h"

namespace profbufd {

class Pipeline;
namespace capture {
class Capture;
}
namespace unwind {
class Unwinder;
}

// Adds a collector for capture, reader, unwinder (null: frame pointers only),
// symbolizer and sink numbers, plus profbufd_build_info and the process_*
// metrics. Every argument must outlive the collector (remove it with the
// returned ids before they go).
std::vector<metrics::Registry::CollectorId> register_pipeline_metrics(
    metrics::Registry& registry, const capture::Capture& capture, const Pipeline& pipeline,
    const unwind::Unwinder* unwinder);

namespace pyroscope {
class PyroscopeSink;
}

// profbufd_push_*: the push sink's requests, bytes, queue and drops.
metrics::Registry::CollectorId register_push_metrics(metrics::Registry& registry,
                                                     const pyroscope::PyroscopeSink& sink);

// The counter the HTTP server's response hook increments.
metrics::CounterFamily& http_requests_family(metrics::Registry& registry);

// The counter of HTTP refusals by reason (http/refusals.h), every reason's
// series present from the start (at 0), so that rate() and alerts see the
// first refusal.
metrics::CounterFamily& http_refused_family(metrics::Registry& registry);

}  // namespace profbufd
