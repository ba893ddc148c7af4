#include "app/pipeline_metrics.h"

#include <string>

#include "app/pipeline.h"
#include "app/unwind_metrics.h"
#include "app/python_metrics.h"
#include "capture/capture.h"
#include "http/refusals.h"
#include "metrics/malloc_collector.h"
#include "metrics/metric_writer.h"
#include "metrics/process_collector.h"
#include "sinks/pyroscope/pyroscope_sink.h"
#include "symbolize/kallsyms.h"
#include "unwind/walker_reports.h"

namespace profbufd {
namespace {

void capture_metrics(metrics::MetricWriter& w, const capture::Capture& capture,
                     const Reader& reader) {
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
  constexpr const char* kTruncHelp =
      "Samples kept whose user stack stopped before the program's entry, by reason (their "
      "profiles end them in a [truncated: <reason>] frame)";
  for (std::size_t i = 0; i < kTruncationReasons; ++i)
    w.counter("profbufd_stacks_truncated_total", kTruncHelp,
              {{"reason", std::string(kTruncationNames[i])}}, reader.stacks_truncated(i));
  w.gauge("profbufd_ringbuf_capacity_bytes", "Size of the BPF ring buffer",
          cs.ringbuf_capacity_bytes);
  w.gauge("profbufd_ringbuf_peak_used_bytes",
          "Highest fill of the BPF ring buffer seen since start", cs.ringbuf_peak_used_bytes);
}

// JIT perf maps: what was read, and what of it was left out (nothing silently).
void perf_map_metrics(metrics::MetricWriter& w, const symbolize::PerfMapCache::Stats& ps) {
  w.counter("profbufd_perf_maps_read_total",
            "JIT perf maps (/tmp/perf-PID.map) read: first reads and re-reads after a miss",
            ps.reads);
  constexpr const char* kLinesHelp =
      "Perf map lines not used, summed over reads, by reason: malformed, or over_limit (the "
      "oldest lines past the per-process bound)";
  w.counter("profbufd_perf_map_lines_skipped_total", kLinesHelp, {{"reason", "malformed"}},
            ps.lines_malformed);
  w.counter("profbufd_perf_map_lines_skipped_total", kLinesHelp, {{"reason", "over_limit"}},
            ps.lines_dropped);
  w.counter("profbufd_perf_map_files_rejected_total",
            "Perf maps not read: not a regular file, or not owned by the process's owner",
            ps.rejected);
  w.gauge("profbufd_perf_maps_cached_bytes", "Heap bytes of the perf maps kept", ps.bytes);
}

// Frames by where their name came from, or why they have none.
void frame_name_metrics(metrics::MetricWriter& w, const Symbolizer::Stats& ss) {
  constexpr const char* kNamedHelp =
      "Frames named, by where the name came from: kernel (kallsyms), elf (the binary's "
      "symbols), debug_file, debuginfod, jit_map (/tmp/perf-PID.map)";
  for (std::size_t i = 0; i < symbolize::kNameSources; ++i)
    w.counter("profbufd_frames_named_total", kNamedHelp,
              {{"source", std::string(symbolize::kNameSourceNames[i])}}, ss.named[i]);
  constexpr const char* kUnnamedHelp =
      "Frames left as module+offset, by reason: no_mapping, anonymous, unreadable, no_symbol, "
      "kernel_unavailable";
  for (std::size_t i = 0; i < symbolize::kUnnamedReasons; ++i)
    w.counter("profbufd_frames_unnamed_total", kUnnamedHelp,
              {{"reason", std::string(symbolize::kUnnamedReasonNames[i])}}, ss.unnamed[i]);
}

// Source lines from DWARF: looked up once per new address of a named user frame.
void frame_line_metrics(metrics::MetricWriter& w, const Symbolizer::Stats& ss) {
  constexpr const char* kLinesHelp =
      "Named user frames looked up for source lines (once per address), by result: found, "
      "no_debug_info (no DWARF in the binary or a debug file), not_covered, off (--no-lines), "
      "over_budget (its DWARF would pass the open-DWARF memory budget)";
  for (std::size_t i = 0; i < symbolize::kLineResults; ++i)
    w.counter("profbufd_frame_lines_total", kLinesHelp,
              {{"result", std::string(symbolize::kLineResultNames[i])}}, ss.lines[i]);
  w.counter("profbufd_dwarf_readers_opened_total",
            "DWARF readers opened (one per binary per profile that needed lines)",
            ss.dwarf_opened);
  w.counter("profbufd_dwarf_reader_failures_total",
            "DWARF readers that failed to open (corrupt or unsupported DWARF)", ss.dwarf_failures);
  w.counter("profbufd_dwarf_readers_over_budget_total",
            "DWARF readers not opened: over the open-DWARF memory budget", ss.dwarf_over_budget);
}

void debuginfod_metrics(metrics::MetricWriter& w, const symbolize::Debuginfod::Stats& d) {
  constexpr const char* kDebuginfodHelp =
      "debuginfod requests, by result: found, not_found, failed (unreachable or past "
      "--debuginfod-timeout: retried for a later profile); all 0 when debuginfod is off";
  const std::pair<const char*, std::uint64_t> by_result[] = {
      {"found", d.found}, {"not_found", d.not_found}, {"failed", d.failed}};
  for (const auto& [result, n] : by_result)
    w.counter("profbufd_debuginfod_requests_total", kDebuginfodHelp, {{"result", result}}, n);
}

// `ring_full`: the reports the BPF side lost to a full event ring
// (UW_C_ENDS_FULL), with the walker or without it.
void process_end_metrics(metrics::MetricWriter& w, const ProcessEnds& e,
                         std::uint64_t ring_full) {
  constexpr const char* kRefreshedHelp =
      "Process mappings read again for the records after a program's end: after=exec (the "
      "process exec'd another program) or after=exit (a new process took the pid)";
  w.counter("profbufd_process_snapshots_refreshed_total", kRefreshedHelp, {{"after", "exec"}},
            e.refreshed(ProcessEnds::Why::kExec));
  w.counter("profbufd_process_snapshots_refreshed_total", kRefreshedHelp, {{"after", "exit"}},
            e.refreshed(ProcessEnds::Why::kExit));
  constexpr const char* kMissingHelp =
      "Window look-ups of a pid that found no mappings for the program it ran then, by reason: "
      "ended_unread (it exec'd or exited before profbufd read it) or older_than_kept (more "
      "programs ran under the pid since than are kept); their frames are unnamed (no_mapping)";
  w.counter("profbufd_process_snapshots_missing_total", kMissingHelp,
            {{"reason", "ended_unread"}}, e.missing(ProcessEnds::Missing::kEndedUnread));
  w.counter("profbufd_process_snapshots_missing_total", kMissingHelp,
            {{"reason", "older_than_kept"}}, e.missing(ProcessEnds::Missing::kOlderThanKept));
  constexpr const char* kDroppedHelp =
      "Execs and exits not applied to the mappings, by reason: ring_full (the BPF report "
      "found the event ring full) or queue_full (more than 65536 waiting): those pids keep "
      "their old program's mappings until evicted";
  w.counter("profbufd_process_end_events_dropped_total", kDroppedHelp,
            {{"reason", "ring_full"}}, ring_full);
  w.counter("profbufd_process_end_events_dropped_total", kDroppedHelp,
            {{"reason", "queue_full"}}, e.dropped());
}

void symbolizer_metrics(metrics::MetricWriter& w, const Symbolizer& symbolizer) {
  const Symbolizer::Stats ss = symbolizer.stats();
  constexpr const char* kSymHelp =
      "Frames symbolized, by result: hit (a symbol named it) or miss (module+offset)";
  w.counter("profbufd_symbolization_frames_total", kSymHelp, {{"result", "hit"}}, ss.hits);
  w.counter("profbufd_symbolization_frames_total", kSymHelp, {{"result", "miss"}}, ss.misses);
  frame_name_metrics(w, ss);
  frame_line_metrics(w, ss);
  debuginfod_metrics(w, ss.debuginfod);
  python_code_metrics(w, ss.python);
  constexpr const char* kCacheHelp = "Symbolizer address-cache lookups, by result";
  w.counter("profbufd_symbolization_cache_lookups_total", kCacheHelp, {{"result", "hit"}},
            ss.cache_hits);
  w.counter("profbufd_symbolization_cache_lookups_total", kCacheHelp, {{"result", "miss"}},
            ss.cache_misses);
  // 1 for the reason kernel frames cannot be named, 0 for the other; both 0
  // while kallsyms loaded (or was not needed yet).
  const std::optional<Error> kerr = symbolizer.kernel_error();
  const bool hidden = kerr && symbolize::KernelSymbols::is_hidden(*kerr);
  constexpr const char* kKernelHelp =
      "1 when kernel symbols are unavailable, by reason: hidden (kernel.kptr_restrict or no "
      "privilege: every address reads 0) or unreadable (/proc/kallsyms could not be read)";
  w.gauge("profbufd_kernel_symbols_unavailable", kKernelHelp, {{"reason", "hidden"}},
          hidden ? 1 : 0);
  w.gauge("profbufd_kernel_symbols_unavailable", kKernelHelp, {{"reason", "unreadable"}},
          kerr && !hidden ? 1 : 0);
  perf_map_metrics(w, ss.perf_maps);
}

void cgroup_metrics(metrics::MetricWriter& w, const Pipeline& p) {
  const cgroup::CgroupResolver::Stats cs = p.cgroup_stats();
  w.counter("profbufd_cgroup_walks_total",
            "Walks of the cgroup2 tree, made when a window held a cgroup id not seen before",
            cs.walks);
  constexpr const char* kHelp =
      "cgroup ids of closed windows looked up, by result: hit (known), miss (unknown even "
      "after a walk: labels then come from /proc/PID/cgroup)";
  w.counter("profbufd_cgroup_lookups_total", kHelp, {{"result", "hit"}}, cs.hits);
  w.counter("profbufd_cgroup_lookups_total", kHelp, {{"result", "miss"}}, cs.misses);
  w.gauge("profbufd_cgroups_known",
          "cgroup ids whose path and identity are cached, summed over the two publishers' caches",
          cs.entries);
}

// The two publisher threads (app/pipeline.h): where a closed window's time
// goes before its profile is anywhere, and how far behind each one is.
void publisher_metrics(metrics::MetricWriter& w, const Pipeline& p) {
  const std::pair<const char*, Publisher::Stats> lanes[] = {
      {"periodic", p.publisher().stats()}, {"requests", p.request_publisher().stats()}};
  auto seconds = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e9; };
  for (const auto& [name, s] : lanes)
    w.gauge("profbufd_publisher_queued_windows",
            "Closed windows waiting for their publisher thread, by publisher: periodic "
            "(files, the store, the push) or requests (HTTP profile requests)",
            {{"publisher", name}}, s.queued);
  for (const auto& [name, s] : lanes)
    w.counter("profbufd_publisher_windows_total", "Closed windows built and delivered, by publisher",
              {{"publisher", name}}, s.built);
  for (const auto& [name, s] : lanes)
    w.counter("profbufd_publisher_queue_seconds_total",
              "Time closed windows waited for their publisher thread, summed, by publisher",
              {{"publisher", name}}, seconds(s.queue_ns));
  for (const auto& [name, s] : lanes)
    w.counter("profbufd_publisher_build_seconds_total",
              "Time spent building profiles from closed windows (symbolizing, labelling), by "
              "publisher",
              {{"publisher", name}}, seconds(s.build_ns));
  for (const auto& [name, s] : lanes)
    w.counter("profbufd_publisher_deliver_seconds_total",
              "Time spent handing built profiles to their sinks (encoding, writing files, "
              "pushing), by publisher",
              {{"publisher", name}}, seconds(s.deliver_ns));
}

void sink_metrics(metrics::MetricWriter& w, const Pipeline& p) {
  w.gauge("profbufd_unique_stacks", "Distinct stacks in the last periodic profile window built",
          p.publisher().stats().unique_stacks);
  const FileSink* files = p.file_sink();
  w.counter("profbufd_profiles_written_total", "Profile windows written to --output",
            files ? files->profiles_written() : 0);
  w.counter("profbufd_profile_write_errors_total",
            "Profile windows that could not be written (disk full, read-only, ...)",
            files ? files->write_errors() : 0);
  w.gauge("profbufd_recent_profiles", "Closed profiles kept in memory for the HTTP endpoints",
          p.recent().size());
  w.gauge("profbufd_recent_profiles_bytes",
          "Estimated heap bytes of the closed profiles kept in memory", p.recent().bytes());
}

}  // namespace

std::vector<metrics::Registry::CollectorId> register_pipeline_metrics(
    metrics::Registry& registry, const capture::Capture& capture, const Pipeline& pipeline,
    const unwind::Unwinder* unwinder) {
  std::vector<metrics::Registry::CollectorId> ids;
  ids.push_back(registry.add_collector(metrics::process_collector()));
  ids.push_back(registry.add_collector(metrics::malloc_collector()));
  ids.push_back(registry.add_collector([&capture, &pipeline, unwinder](metrics::MetricWriter& w) {
    w.gauge("profbufd_build_info", "profbufd version; the value is always 1",
            {{"version", PROFBUFD_VERSION}}, 1);
    capture_metrics(w, capture, pipeline.reader());
    unwind_metrics(w, unwinder);
    symbolizer_metrics(w, pipeline.symbolizer());
    if (const auto p = pipeline.python_prefetch_stats()) python_prefetch_metrics(w, *p);
    if (const ProcessEnds* e = pipeline.process_ends())
      process_end_metrics(w, *e,
                          unwind::sum_walker_counters(
                              capture.maps().fd(capture::SharedMap::kUwCounters))
                              .c[UW_C_ENDS_FULL]);
    cgroup_metrics(w, pipeline);
    publisher_metrics(w, pipeline);
    sink_metrics(w, pipeline);
    for (const kinds::Kind* k : pipeline.kinds()) {
      k->write_metrics(w);
      if (const auto on = k->running())
        w.gauge("profbufd_kind_running",
                "1 while the kind's programs run: always for the kinds the run writes files "
                "of, while requests hold them for the others (linked on demand)",
                {{"kind", std::string(k->name())}}, *on ? 1 : 0);
    }
  }));
  return ids;
}

metrics::CounterFamily& http_requests_family(metrics::Registry& registry) {
  return registry.counter("profbufd_http_requests_total",
                          "HTTP requests by endpoint and status code", {"endpoint", "code"});
}

metrics::CounterFamily& http_refused_family(metrics::Registry& registry) {
  metrics::CounterFamily& f = registry.counter(
      "profbufd_http_refused_total",
      "HTTP clients refused, by reason: connection_limit (503 at accept), fd_limit (closed at "
      "accept), header_timeout (408), header_too_large (431), long_request_limit (503: every "
      "profile window slot taken), response_timeout (response not taken in time: closed)",
      {"reason"});
  for (const std::string_view reason : http::kRefusalReasons) f.labels({std::string(reason)});
  return f;
}

}  // namespace profbufd

namespace profbufd {

metrics::Registry::CollectorId register_push_metrics(metrics::Registry& registry,
                                                     const pyroscope::PyroscopeSink& sink) {
  return registry.add_collector([&sink](metrics::MetricWriter& w) {
    const pyroscope::PushStats st = sink.stats();
    constexpr const char* kRequestsHelp =
        "Requests to the Pyroscope server, by HTTP status (\"error\": no answer: refused, "
        "timed out)";
    if (st.requests.empty())
      w.counter("profbufd_push_requests_total", kRequestsHelp, {{"code", "200"}}, 0);
    for (const auto& [code, n] : st.requests)
      w.counter("profbufd_push_requests_total", kRequestsHelp, {{"code", code}}, n);
    w.counter("profbufd_push_bytes_total",
              "Bytes of request bodies the Pyroscope server accepted", st.bytes);
    w.gauge("profbufd_push_queue_bytes",
            "Bytes of windows waiting to be pushed (not the one being sent)", st.queue_bytes);
    constexpr const char* kDroppedHelp =
        "Windows not pushed, by reason: queue_full (oldest dropped), retries_exhausted, "
        "rejected (4xx), shutdown (flush deadline), encoding";
    for (std::string_view r : pyroscope::kDropReasons) {
      const std::string reason(r);
      const auto it = st.dropped.find(reason);
      w.counter("profbufd_push_dropped_total", kDroppedHelp, {{"reason", reason}},
                it == st.dropped.end() ? 0 : it->second);
    }
    w.counter("profbufd_push_windows_total", "Windows the Pyroscope server accepted",
              st.windows_sent);
  });
}

}  // namespace profbufd
