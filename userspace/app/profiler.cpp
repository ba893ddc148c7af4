#include "app/profiler.h"

#include <signal.h>
#include <sys/utsname.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "process/process_table.h"
#include "core/reader.h"
#include "app/idle_books.h"
#include "app/pipeline_metrics.h"
#include "app/window_profile_source.h"
#include "app/window_sink.h"
#include "capture/bpf_capture.h"
#include "cli/progress.h"
#include "common/clock.h"
#include "common/log.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
namespace {

ProfileContext make_context(const cli::Options& o, std::size_t ncpus) {
  ProfileContext c;
  c.version = PROFBUFD_VERSION;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) c.host = host;
  utsname u{};
  if (uname(&u) == 0) c.kernel = u.release;
  c.frequency_hz = o.frequency_hz;
  c.cpus = static_cast<std::uint32_t>(ncpus);
  c.account_idle = !o.no_idle && o.pids.empty();
  return c;
}

}  // namespace

Result<ExitCode> run_profiler(const cli::Options& options) {
  capture::CaptureOptions co;
  co.frequency_hz = options.frequency_hz;
  co.pids = options.pids;
  co.no_idle = options.no_idle;
  co.ringbuf_bytes = options.ringbuf_bytes;
  auto opened = capture::Capture::open(co);
  if (!opened.ok()) return opened.error();
  capture::Capture& capture = *opened.value();

  const std::vector<int>& cpus = capture.cpus();
  const std::size_t nslots = cpus.empty() ? 0 : static_cast<std::size_t>(cpus.back()) + 1;
  std::vector<ProfBuf*> buffers(nslots, nullptr);
  for (int cpu : cpus) buffers[static_cast<std::size_t>(cpu)] = &capture.buffer(cpu);

  Symbolizer symbolizer;
  WindowSink sink({options.output_dir, options.formats, options.keep},
                  make_context(options, cpus.size()), symbolizer);
  ProcessTable processes;
  Reader reader(
      buffers, processes, [&capture] { return capture.stats().total_drops(); }, {});

  // HTTP: each profile request is a window of its own; /metrics reads the
  // pipeline's counters at scrape time.
  std::atomic<bool> sampling{false};
  WindowProfileSource source(reader, symbolizer, make_context(options, cpus.size()), nslots,
                             [&sampling, &capture] {
                               return sampling.load(std::memory_order_relaxed) &&
                                      capture.stats().loader_errno == 0;
                             });
  metrics::Registry registry;
  metrics::CounterFamily& http_requests = http_requests_family(registry);
  register_pipeline_metrics(registry, capture, reader, symbolizer, sink);
  std::optional<http::Server> server;
  if (options.http_listen) {
    server.emplace(
        *options.http_listen, source, [&registry] { return registry.render(); },
        [&http_requests](std::string_view endpoint, int code) {
          http_requests.labels({std::string(endpoint), std::to_string(code)}).inc();
        });
    if (auto st = server->start(); !st.ok()) return st.error();
  }

  // File windows: always for a one-shot run; as a service only with --interval
  // (an HTTP-only daemon keeps no ever-growing window of its own).
  const bool file_windows = !options.http_listen || options.interval || options.duration;
  auto on_closed = [&sink](std::shared_ptr<Window> w) { sink.push(std::move(w)); };
  const std::uint64_t start_ns = monotonic_ns();
  const std::int64_t start_unix = realtime_ns();
  std::shared_ptr<Window> current;
  if (file_windows) {
    current = std::make_shared<Window>(start_ns, kOpenEnded, nslots);
    current->start_unix_ns = start_unix;
    // The first window takes everything the ring held from before this moment
    // (sampling began when the program was attached).
    current->absorb_earlier = true;
    current->idle_at_start = read_idle();
    reader.open_window(current, on_closed);
  }

  reader.start();
  capture.start();
  sampling = true;
  const std::string status = "sampling " + std::to_string(cpus.size()) + " CPUs at " +
                             std::to_string(options.frequency_hz) + " Hz";
  log::info(status);
  // systemd (Type=notify): ready once the BPF program is attached and the
  // pipeline runs. A no-op outside systemd (NOTIFY_SOCKET unset).
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());

  using std::chrono::nanoseconds;
  const auto ns = [](nanoseconds d) { return static_cast<std::uint64_t>(d.count()); };
  const std::uint64_t deadline =
      options.duration ? start_ns + ns(*options.duration) : UINT64_MAX;
  // The next window boundary. It is booked with the reader `lead` ahead of time:
  // a sample is timestamped when taken, so none at or past the boundary can have
  // been routed into the current window yet, and windows tile time exactly.
  std::uint64_t next_rotate =
      file_windows && options.interval ? start_ns + ns(*options.interval) : UINT64_MAX;
  constexpr std::uint64_t lead = 20'000'000;  // 20 ms
  std::shared_ptr<Window> ended;              // booked to end at `boundary`
  std::uint64_t boundary = UINT64_MAX;

  cli::ProgressLine progress(STDERR_FILENO);
  const std::uint64_t tick = progress.enabled() ? 250'000'000ULL : UINT64_MAX;

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);

  for (;;) {
    const std::uint64_t now = monotonic_ns();
    if (now >= deadline) break;
    // A boundary at or past the deadline is not booked: the last window ends
    // with the run instead of leaving a sliver of a window behind it.
    if (!ended && next_rotate < deadline && now + lead >= next_rotate) {
      auto next = std::make_shared<Window>(next_rotate, kOpenEnded, nslots);
      next->start_unix_ns = start_unix + static_cast<std::int64_t>(next_rotate - start_ns);
      reader.rotate(current, next, next_rotate, on_closed);
      ended = std::exchange(current, std::move(next));
      boundary = next_rotate;
      next_rotate += ns(*options.interval);
    }
    if (ended && now >= boundary) {
      close_idle_books(reader, ended, current);
      ended.reset();
      continue;  // a late main thread catches up one boundary per pass
    }
    if (progress.enabled()) {
      cli::Progress p;
      p.elapsed = nanoseconds(now - start_ns);
      p.total = options.duration;
      p.samples = reader.samples();
      p.lost = reader.lost();
      progress.update(p);
    }
    const std::uint64_t next_tick = tick > UINT64_MAX - now ? UINT64_MAX : now + tick;
    const std::uint64_t next_event =
        ended ? boundary : (next_rotate < deadline ? next_rotate - lead : UINT64_MAX);
    const std::uint64_t wake = std::max(now, std::min({deadline, next_event, next_tick}));
    const std::uint64_t wait = wake - now;
    timespec ts{static_cast<time_t>(wait / 1'000'000'000ULL),
                static_cast<long>(wait % 1'000'000'000ULL)};
    const int sig = sigtimedwait(&stop_signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      progress.finish();
      log::info(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                ": writing the current window");
      break;
    }
  }

  // Stop sampling, let the loader drain the ring and close the buffers, let the
  // reader take everything to EOF, then end the last window now: every sample
  // captured has a time before this point.
  sampling = false;
  sd_notify(0, "STOPPING=1");
  // In-flight HTTP profile requests answer 503; then the pipeline drains.
  source.shutdown();
  if (server) server->stop();
  if (ended) close_idle_books(reader, ended, current);
  if (current) close_idle_books(reader, current, nullptr);
  capture.stop();
  reader.finish(monotonic_ns());
  sink.finish();
  progress.finish();

  const auto stats = capture.stats();
  log::info("done: " + std::to_string(reader.samples()) + " samples, " +
            std::to_string(reader.lost()) + " lost, " +
            std::to_string(sink.profiles_written()) + " profiles written");
  // Never expected; said out loud if it happens, since these records reached no
  // window.
  if (stats.malformed_records + stats.misrouted_records > 0)
    log::warning(std::to_string(stats.malformed_records) + " malformed and " +
                 std::to_string(stats.misrouted_records) +
                 " misrouted BPF records were discarded");
  if (stats.loader_errno != 0)
    return make_error(ExitCode::kRuntime, "loader thread",
                      std::string("stopped draining the ring buffer: ") +
                          std::strerror(stats.loader_errno),
                      "samples after that point were counted as ringbuf_full");
  if (sink.last_error()) return ExitCode::kWriteFailed;
  return ExitCode::kOk;
}

}  // namespace profbufd
