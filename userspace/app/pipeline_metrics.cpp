#include "app/pipeline_metrics.h"

#include <string>

#include "core/reader.h"
#include "app/window_sink.h"
#include "capture/bpf_capture.h"
#include "metrics/metric_writer.h"
#include "metrics/process_collector.h"
#include "symbolize/symbolizer.h"

namespace profbufd {

std::vector<metrics::Registry::CollectorId> register_pipeline_metrics(
    metrics::Registry& registry, const capture::Capture& capture, const Reader& reader,
    const Symbolizer& symbolizer, const WindowSink& sink) {
  std::vector<metrics::Registry::CollectorId> ids;
  ids.push_back(registry.add_collector(metrics::process_collector()));
  ids.push_back(registry.add_collector([&](metrics::MetricWriter& w) {
    w.gauge("profbufd_build_info", "profbufd version; the value is always 1",
            {{"version", PROFBUFD_VERSION}}, 1);

    const capture::CaptureStats cs = capture.stats();
    for (const auto& cpu : cs.cpus)
      w.counter("profbufd_samples_total",
                "Samples moved from the BPF ring buffer into the per-CPU buffers, by CPU",
                {{"cpu", std::to_string(cpu.cpu)}}, cpu.samples);
    constexpr const char* kLostHelp =
        "Samples lost or without a stack, by reason: ringbuf_full (BPF ring buffer "
        "reservation failed), profbuf_overflow (per-CPU buffer full), "
        "stack_unavailable (kept, but a stack could not be walked)";
    w.counter("profbufd_lost_samples_total", kLostHelp, {{"reason", "ringbuf_full"}},
              cs.total_drops());
    w.counter("profbufd_lost_samples_total", kLostHelp, {{"reason", "profbuf_overflow"}},
              reader.profbuf_overflow());
    w.counter("profbufd_lost_samples_total", kLostHelp, {{"reason", "stack_unavailable"}},
              reader.stack_unavailable());
    w.gauge("profbufd_ringbuf_capacity_bytes", "Size of the BPF ring buffer",
            cs.ringbuf_capacity_bytes);
    w.gauge("profbufd_ringbuf_peak_used_bytes",
            "Highest fill of the BPF ring buffer seen since start", cs.ringbuf_peak_used_bytes);
    w.gauge("profbufd_unique_stacks", "Distinct stacks in the last profile window built",
            sink.last_unique_stacks());

    const Symbolizer::Stats ss = symbolizer.stats();
    constexpr const char* kSymHelp =
        "Frames symbolized, by result: hit (a symbol named it) or miss (module+offset)";
    w.counter("profbufd_symbolization_frames_total", kSymHelp, {{"result", "hit"}}, ss.hits);
    w.counter("profbufd_symbolization_frames_total", kSymHelp, {{"result", "miss"}}, ss.misses);
    constexpr const char* kCacheHelp = "Symbolizer address-cache lookups, by result";
    w.counter("profbufd_symbolization_cache_lookups_total", kCacheHelp, {{"result", "hit"}},
              ss.cache_hits);
    w.counter("profbufd_symbolization_cache_lookups_total", kCacheHelp, {{"result", "miss"}},
              ss.cache_misses);

    w.counter("profbufd_profiles_written_total", "Profile windows written to --output",
              sink.profiles_written());
    w.counter("profbufd_profile_write_errors_total",
              "Profile windows that could not be written (disk full, read-only, ...)",
              sink.write_errors());
  }));
  return ids;
}

metrics::CounterFamily& http_requests_family(metrics::Registry& registry) {
  return registry.counter("profbufd_http_requests_total", "HTTP requests by endpoint and status code",
                          {"endpoint", "code"});
}

}  // namespace profbufd
