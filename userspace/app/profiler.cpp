#include "app/profiler.h"

#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "app/capture_setup.h"
#include "app/pipeline.h"
#include "app/page_store.h"
#include "app/pipeline_metrics.h"
#include "app/push_setup.h"
#include "app/reloader.h"
#include "app/run_loop.h"
#include "app/settings.h"
#include "app/window_profile_source.h"
#include "cgroup/cgroup_mounts.h"
#include "cli/progress.h"
#include "common/log.h"
#include "http/server.h"
#include "metrics/registry.h"

namespace profbufd {
namespace {

std::uint64_t ns(std::chrono::nanoseconds d) { return static_cast<std::uint64_t>(d.count()); }

// A daemon: serves HTTP or pushes, so it runs until stopped.
bool daemon(const cli::Options& o) { return o.http_listen || o.pyroscope_url; }

// How often a window closes. A daemon without --interval or --duration still
// closes one every kDaemonInterval: the page shows the last closed window at
// once and the push sends each, where one window as long as the run would
// hold every stack seen until SIGTERM and show nothing before.
std::optional<std::chrono::nanoseconds> window_interval(const cli::Options& o) {
  if (o.interval) return o.interval;
  if (daemon(o) && !o.duration) return cli::kDaemonInterval;
  return std::nullopt;
}

// The command line with the settings in force (app/settings.h) in place of
// its own frequency and filters: what the kinds and the capture are made from.
cli::Options with_settings(cli::Options o, const Settings& s) {
  o.frequency_hz = s.frequency_hz;
  o.pids = s.pids;
  o.cgroups.clear();
  for (const auto& c : s.cgroups) o.cgroups.push_back(c.path);
  return o;
}

// The capture, with the kernel filters set before any kind attaches (so no
// record of a process outside them is ever taken).
Result<CaptureSetup> open_filtered_capture(const cli::Options& effective, const Settings& s) {
  auto dirs = open_cgroup_dirs(s);
  if (!dirs) return dirs.error();
  capture::CaptureOptions base;
  for (const Fd& d : *dirs) base.cgroup_fds.push_back(d.get());
  return open_capture(effective, std::move(base));
}

// Where this host mounts cgroup v2. Without a readable mountinfo, or without
// cgroup v2, labels come from /proc/PID/cgroup and a cgroup filter is refused
// (by load_settings).
SettingsEnv host_settings_env() {
  auto mounts = cgroup::read_cgroup_mounts();
  return SettingsEnv{mounts.ok() ? mounts->v2 : std::string()};
}

// "sampling 2 CPUs at 99 Hz (filtered: 1 pids, 0 cgroups)"
std::string sampling_status(const capture::Capture& capture, const Settings& s) {
  std::string status = "sampling " + std::to_string(capture.cpus().size()) + " CPUs at " +
                       std::to_string(s.frequency_hz) + " Hz";
  if (s.filtered())
    status += " (filtered: " + std::to_string(s.pids.size()) + " pids, " +
              std::to_string(s.cgroups.size()) + " cgroups)";
  return status;
}

// The debuginfod client, or null when no server is configured. Sets the
// client's environment: call before any thread starts.
std::shared_ptr<symbolize::Debuginfod> make_debuginfod(const cli::Options& o) {
  symbolize::Debuginfod::Options d;
  d.urls = o.debuginfod_urls.value_or("");
  d.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(o.debuginfod_timeout);
  std::shared_ptr<symbolize::Debuginfod> client = symbolize::Debuginfod::create(d);
  if (client)
    log::info("debuginfod: debug files that are not on this host are fetched from " +
              client->urls() + " (the build IDs of binaries that ran here are sent there)");
  return client;
}

PipelineConfig pipeline_config(const cli::Options& o, const CaptureSetup& setup,
                               const SettingsEnv& env,
                               const std::shared_ptr<pyroscope::PyroscopeSink>& push,
                               std::shared_ptr<symbolize::Debuginfod> debuginfod) {
  PipelineConfig c;
  c.symbolizer.debuginfod = std::move(debuginfod);
  c.symbolizer.lines = !o.no_lines;
  c.symbolizer.python = setup.python;
  c.ends = setup.ends;
  capture::Capture& capture = *setup.capture;
  c.buffers = capture.buffers();
  c.drops = [&capture] {
    std::vector<std::uint64_t> per_kind;
    for (const auto& k : capture.stats().kinds) per_kind.push_back(k.dropped);
    return per_kind;
  };
  c.kinds = setup.kind_list();
  for (const std::string& name : o.profiles) c.file_kinds.push_back(&setup.kind(name));
  // Files: always for a one-shot run; for a daemon only with --interval or
  // --duration. Its other windows go to the store (and the push) only.
  if (!daemon(o) || o.interval || o.duration)
    c.files = FileSink::Options{o.output_dir, o.formats, o.keep};
  c.store_windows = true;
  if (push) c.window_sinks.push_back(push);
  c.context = this_machine(static_cast<std::uint32_t>(capture.cpus().size()));
  c.context.folded_root = o.folded_root;
  c.cgroup2_mount = env.cgroup2_mount;
  c.context.user_unwind = setup.unwinder ? "dwarf" : "fp";
  return c;
}

// The progress line on a terminal: elapsed, samples, lost.
std::function<void(std::uint64_t)> progress_hook(cli::ProgressLine& line, const Reader& reader,
                                                 const cli::Options& o, std::uint64_t start) {
  if (!line.enabled()) return {};
  return [&line, &reader, &o, start](std::uint64_t now) {
    cli::Progress p;
    p.elapsed = std::chrono::nanoseconds(now - start);
    p.total = o.duration;
    p.samples = reader.samples();
    p.lost = reader.lost();
    line.update(p);
  };
}

// What is said at exit about the run, and its exit code.
Result<ExitCode> outcome(const capture::Capture& capture, const Pipeline& pipeline) {
  const auto stats = capture.stats();
  const Reader& reader = pipeline.reader();
  const FileSink* files = pipeline.file_sink();
  log::info("done: " + std::to_string(reader.samples()) + " samples, " +
            std::to_string(reader.lost()) + " lost, " +
            std::to_string(files ? files->profiles_written() : 0) + " profiles written");
  // Never expected; said out loud if it happens, since these records reached no
  // window.
  if (stats.malformed_records + stats.misrouted_records + reader.unknown_kind() > 0)
    log::warning(std::to_string(stats.malformed_records) + " malformed, " +
                 std::to_string(stats.misrouted_records) + " misrouted and " +
                 std::to_string(reader.unknown_kind()) +
                 " unknown-kind BPF records were discarded");
  if (stats.loader_errno != 0)
    return make_error(ExitCode::kRuntime, "loader thread",
                      std::string("stopped draining the ring buffer: ") +
                          std::strerror(stats.loader_errno),
                      "samples after that point were counted as ringbuf_full");
  if (files && files->last_error()) return ExitCode::kWriteFailed;
  return ExitCode::kOk;
}

// The windows' timing: one every --interval (or kDaemonInterval), until
// --duration ends.
WindowSchedule window_schedule(const cli::Options& o, std::uint64_t start_ns) {
  const auto interval = window_interval(o);
  return WindowSchedule({.start_ns = start_ns,
                         .interval_ns = interval ? std::optional(ns(*interval)) : std::nullopt,
                         .duration_ns = o.duration ? std::optional(ns(*o.duration))
                                                   : std::nullopt});
}

// Starts the pipeline, then the capture, and says so in the log and to
// systemd (Type=notify): ready once the BPF programs are attached and the
// pipeline runs. A no-op outside systemd (NOTIFY_SOCKET unset).
void start_sampling(Pipeline& pipeline, capture::Capture& capture, std::atomic<bool>& sampling,
                    const Settings& s, std::uint64_t start_ns) {
  pipeline.start(start_ns, realtime_ns());
  capture.start();
  sampling = true;
  const std::string status = sampling_status(capture, s);
  log::info(status);
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

// Follows the window schedule until --duration ends or SIGINT or SIGTERM
// arrives; SIGHUP re-reads the settings.
void run_windows(const cli::Options& options, const SettingsEnv& env, const Settings& settings,
                 const CaptureSetup& setup, Pipeline& pipeline, cli::ProgressLine& progress,
                 std::uint64_t start_ns) {
  WindowSchedule schedule = window_schedule(options, start_ns);
  SignalWaiter waiter;
  Reloader reloader(options, env, settings, *setup.capture, setup.kind_list(), pipeline.reader(),
                    pipeline.clock());
  RunLoop loop{schedule, pipeline.file_windows(), waiter, pipeline.clock(),
               progress_hook(progress, pipeline.reader(), options, start_ns),
               RunLoop::kDefaultTickNs, [&reloader, &progress] {
                 progress.finish();  // the log line must not land inside the progress line
                 reloader.reload();
               }};
  if (const int sig = loop.run(); sig != 0) {
    progress.finish();
    log::info(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
              ": writing the current window");
  }
}

}  // namespace

Result<ExitCode> run_profiler(const cli::Options& options) {
  const SettingsEnv env = host_settings_env();
  auto settings = load_settings(options, env);
  if (!settings) return settings.error();
  const cli::Options effective = with_settings(options, *settings);
  auto debuginfod = make_debuginfod(effective);
  auto opened = open_filtered_capture(effective, *settings);
  if (!opened.ok()) return opened.error();
  CaptureSetup& setup = opened.value();
  capture::Capture& capture = *setup.capture;
  auto push = make_push_sink(options);
  if (!push.ok()) return push.error();
  Pipeline pipeline(pipeline_config(effective, setup, env, *push, std::move(debuginfod)));

  // HTTP: each profile request is a window of its own; /metrics reads the
  // pipeline's counters at scrape time.
  std::atomic<bool> sampling{false};
  WindowProfileSource source(pipeline.reader(), pipeline.request_publisher(), setup.kind_list(),
                             pipeline.ncpu_slots(), pipeline.clock(), [&sampling, &capture] {
                               return sampling.load(std::memory_order_relaxed) &&
                                      capture.stats().loader_errno == 0;
                             },
                             env.cgroup2_mount, setup.late.get());
  metrics::Registry registry;
  metrics::CounterFamily& http_requests = http_requests_family(registry);
  metrics::CounterFamily& http_refused = http_refused_family(registry);
  register_pipeline_metrics(registry, capture, pipeline, setup.unwinder.get());
  if (*push) register_push_metrics(registry, **push);
  if (const LateKinds* late = setup.late.get())
    registry.add_collector([late](metrics::MetricWriter& w) { late->write_metrics(w); });
  PageStore page_store(pipeline.recent(), setup.kind_list());
  std::optional<http::Server> server;
  if (options.http_listen) {
    server.emplace(
        *options.http_listen, source, [&registry] { return registry.render(); },
        [&http_requests](std::string_view endpoint, int code) {
          http_requests.labels({std::string(endpoint), std::to_string(code)}).inc();
        },
        http::ServerOptions{
            .store = &page_store,
            .loopback_host_only = !options.http_allow_remote,
            .max_connections =
                options.http_max_connections.value_or(http::kDefaultMaxConnections),
            .header_timeout = http::kDefaultHeaderTimeout,
            .on_refused = [&http_refused](std::string_view reason) {
              http_refused.labels({std::string(reason)}).inc();
            }});
    if (auto st = server->start(); !st.ok()) return st.error();
  }

  // The pipeline outlives the capture's stop() below, and no early return
  // comes after sampling starts.
  if (pipeline.python_prefetch()) capture.set_python_observer(pipeline.python_prefetch());
  const std::uint64_t start_ns = monotonic_ns();
  start_sampling(pipeline, capture, sampling, *settings, start_ns);
  // The kinds HTTP serves beyond --profiles load now: their verifier time
  // (seconds) must not delay sampling, nor land in its first window.
  if (setup.late) setup.late->start();
  cli::ProgressLine progress(STDERR_FILENO);
  run_windows(options, env, *settings, setup, pipeline, progress, start_ns);

  // Stop sampling: in-flight HTTP profile requests answer 503; the file
  // windows' books close; the loader drains the ring and closes the buffers;
  // the reader takes everything to EOF and every window ends now: every
  // sample captured has a time before this point.
  sampling = false;
  sd_notify(0, "STOPPING=1");
  if (setup.late) setup.late->stop();  // wakes requests waiting for a kind
  source.shutdown();
  if (server) server->stop();
  pipeline.end_windows();
  capture.stop();
  pipeline.finish(monotonic_ns());
  // The last window is in the push queue now: send what can be within the
  // flush deadline.
  if (*push) (*push)->finish();
  progress.finish();
  return outcome(capture, pipeline);
}

}  // namespace profbufd
