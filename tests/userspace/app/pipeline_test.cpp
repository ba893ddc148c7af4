// The pipeline and the run loop end to end without BPF: hand-made ProfBufs
// stand in for the capture, a fake clock for time, and a fake waiter for the
// signals, so every sample's window is decided deterministically.
#include "app/pipeline.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "../core/fake_clock.h"
#include "../scratch_dir.h"
#include "app/run_loop.h"
#include "app/window_profile_source.h"
#include "kinds/cpu/cpu_kind.h"

namespace profbufd {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kS = 1'000 * kMs;

// Time passing: while the loop waits, the "capture" takes one sample every
// 10 ms (100 Hz) on CPU 0; then the clock moves and the reader makes a pass.
class FakeCapture final : public Waiter {
 public:
  FakeCapture(testing::FakeClock& clock, ProfBuf& buf, Pipeline& p,
              std::uint64_t sigterm_at = UINT64_MAX, std::uint64_t sighup_at = UINT64_MAX)
      : clock_(clock), buf_(buf), pipeline_(p), sigterm_at_(sigterm_at), sighup_at_(sighup_at) {
    std::strcpy(task_.comm.data(), "worker");
    task_.id = 1;
  }

  int wait_until(std::uint64_t deadline) override {
    const std::uint64_t until = std::min({deadline, sigterm_at_, sighup_at_});
    for (; next_ < until; next_ += 10 * kMs) {
      RecordHeader h;
      h.pid = h.tid = 100;
      h.kind = PROFBUFD_KIND_CPU;
      h.value = 10 * kMs;  // the tick's period
      h.stack.kernel_frames = 1;
      h.stack.user_status = PROFBUFD_STACK_KERNEL_THREAD;
      const std::uint64_t stack[] = {0xffffffff81000000ULL + (next_ / kS)};
      buf_.write(&task_, next_, h.pack(), stack);
      ++written_;
    }
    clock_.set(until);
    pipeline_.reader().run_pass();
    if (until == sighup_at_) {
      sighup_at_ = UINT64_MAX;  // once
      return SIGHUP;
    }
    return until == sigterm_at_ ? SIGTERM : 0;
  }
  std::uint64_t written() const { return written_; }

 private:
  testing::FakeClock& clock_;
  ProfBuf& buf_;
  Pipeline& pipeline_;
  const std::uint64_t sigterm_at_;
  std::uint64_t sighup_at_;
  TaskIdentity task_;
  std::uint64_t next_ = 0;
  std::uint64_t written_ = 0;
};

struct RunResult {
  std::vector<nlohmann::json> windows;  // the JSON files, oldest first
  int signal = 0;
  std::uint64_t written = 0;
};

RunResult run(std::optional<std::uint64_t> interval, std::optional<std::uint64_t> duration,
        unsigned keep, std::uint64_t sigterm_at = UINT64_MAX,
        std::uint64_t sighup_at = UINT64_MAX) {
  test::ScratchDir dir;
  const std::string stat = dir.file("stat", "cpu0 1 0 1 500 0 0 0 0 0 0\n");
  const kinds::cpu::CpuKind cpu(kinds::cpu::CpuConfig{.frequency_hz = 100, .proc_stat = stat});
  fs::create_directory(dir.file("out"));
  testing::FakeClock clock;
  ProfBuf buf(kRecordHeaderWords, 1 << 14, 1 << 11);

  PipelineConfig c;
  c.buffers = {&buf};
  c.kinds = {&cpu};
  c.file_kinds = {&cpu};
  c.files = FileSink::Options{dir.file("out"), {OutputFormat::kJson}, keep};
  c.context.cpus = 1;
  c.clock = &clock;
  c.symbolizer.procfs_root = dir.path();  // no kallsyms: frames stay addresses
  c.procfs_root = dir.path();
  Pipeline p(std::move(c));

  p.start(0, clock.realtime_ns(), /*reader_thread=*/false);
  WindowSchedule schedule({.start_ns = 0, .interval_ns = interval, .duration_ns = duration});
  FakeCapture capture(clock, buf, p, sigterm_at, sighup_at);
  // SIGHUP as the reloader reports a change (app/reloader.h).
  const auto reload = [&p] { p.reader().note_change("at T: pids none -> 100", true); };
  RunLoop loop{schedule, p.file_windows(), capture, clock, {}, RunLoop::kDefaultTickNs, reload};
  RunResult r;
  r.signal = loop.run();
  // The shutdown order of app/profiler.cpp: books, capture, reader, publisher.
  p.end_windows();
  buf.close();
  p.finish(clock.monotonic_ns());
  r.written = capture.written();

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir.file("out"))) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    r.windows.push_back(nlohmann::json::parse(ss.str()));
  }
  return r;
}

std::uint64_t samples_of(const nlohmann::json& doc) {
  return doc["metadata"]["totals"][0].get<std::uint64_t>();
}

// Every sample lands in exactly one window, and each window holds exactly the
// samples of its time: 100 Hz x its duration.
TEST(Pipeline, FileWindowsTileTimeAndHoldEverySampleOnce) {
  const RunResult r = run(kS, 3500 * kMs, 0);
  EXPECT_EQ(r.signal, 0);
  ASSERT_EQ(r.windows.size(), 4u);
  std::uint64_t total = 0;
  std::int64_t expected_start = r.windows[0]["metadata"]["start_unix_ns"].get<std::int64_t>();
  const std::vector<std::uint64_t> durations_ms = {1000, 1000, 1000, 500};
  for (std::size_t i = 0; i < r.windows.size(); ++i) {
    const auto& md = r.windows[i]["metadata"];
    EXPECT_EQ(md["start_unix_ns"].get<std::int64_t>(), expected_start) << i;
    EXPECT_EQ(md["duration_ns"].get<std::uint64_t>(), durations_ms[i] * kMs) << i;
    EXPECT_EQ(samples_of(r.windows[i]), durations_ms[i] / 10) << i;
    expected_start += md["duration_ns"].get<std::int64_t>();
    total += samples_of(r.windows[i]);
    // Each window's samples carry its own second as their (fake) kernel frame.
    for (const auto& s : r.windows[i]["stacks"])
      EXPECT_EQ(s["frames"][0]["address"],
                "0xffffffff8100000" + std::to_string(i)) << s.dump();
  }
  EXPECT_EQ(total, r.written);
  EXPECT_EQ(total, 350u);
}

TEST(Pipeline, KeepRetainsOnlyTheNewestWindows) {
  const RunResult r = run(kS, 3500 * kMs, 2);
  ASSERT_EQ(r.windows.size(), 2u);
  EXPECT_EQ(samples_of(r.windows[0]), 100u);
  EXPECT_EQ(samples_of(r.windows[1]), 50u);  // the last, short window
}

TEST(Pipeline, SigtermFlushesTheCurrentWindow) {
  const RunResult r = run(kS, std::nullopt, 0, 2250 * kMs);
  EXPECT_EQ(r.signal, SIGTERM);
  ASSERT_EQ(r.windows.size(), 3u);
  EXPECT_EQ(samples_of(r.windows[0]), 100u);
  EXPECT_EQ(samples_of(r.windows[1]), 100u);
  EXPECT_EQ(samples_of(r.windows[2]), 25u);
  EXPECT_EQ(r.windows[2]["metadata"]["duration_ns"].get<std::uint64_t>(), 250 * kMs);
  EXPECT_EQ(r.written, 225u);
}

TEST(Pipeline, OneWindowForAWholeRun) {
  const RunResult r = run(std::nullopt, 1200 * kMs, 0);
  ASSERT_EQ(r.windows.size(), 1u);
  EXPECT_EQ(samples_of(r.windows[0]), 120u);
  // No idle time passed in the fixture's /proc/stat: the books are there, but
  // account nothing.
  EXPECT_EQ(r.windows[0]["metadata"]["details"]["idle_accounted_samples"], 0);
}

TEST(Pipeline, FileProfilesAlsoReachTheStoreOfRecentProfiles) {
  test::ScratchDir dir;
  const kinds::cpu::CpuKind cpu(kinds::cpu::CpuConfig{.frequency_hz = 100, .no_idle = true});
  testing::FakeClock clock;
  ProfBuf buf(kRecordHeaderWords, 4096, 512);
  PipelineConfig c;
  c.buffers = {&buf};
  c.kinds = {&cpu};
  c.file_kinds = {&cpu};
  c.files = FileSink::Options{dir.path(), {OutputFormat::kPprof}, 0};
  c.clock = &clock;
  c.procfs_root = dir.path();
  c.symbolizer.procfs_root = dir.path();
  Pipeline p(std::move(c));
  EXPECT_EQ(p.kind("cpu"), &cpu);
  EXPECT_EQ(p.kind("block"), nullptr);
  p.start(0, 0, false);
  p.end_windows();
  buf.close();
  p.finish(kS);
  ASSERT_EQ(p.recent().size(), 1u);
  EXPECT_EQ(p.recent().latest("cpu").profile->metadata.duration_ns, static_cast<std::int64_t>(kS));
  EXPECT_EQ(p.file_sink()->profiles_written(), 1u);
}

// A daemon without --interval or --duration: no files, but periodic windows
// into the store (the web page) and the extra window sinks (the push), each
// sample in exactly one of them.
TEST(Pipeline, StoreWindowsWithoutFilesFeedTheStoreAndTheWindowSinks) {
  struct Counting final : Sink {
    std::vector<std::shared_ptr<const Profile>> got;
    void on_profile(std::shared_ptr<const Profile> p) override { got.push_back(std::move(p)); }
  };
  test::ScratchDir dir;
  const std::string stat = dir.file("stat", "cpu0 1 0 1 500 0 0 0 0 0 0\n");
  const kinds::cpu::CpuKind cpu(kinds::cpu::CpuConfig{.frequency_hz = 100, .proc_stat = stat});
  testing::FakeClock clock;
  ProfBuf buf(kRecordHeaderWords, 1 << 14, 1 << 11);
  auto push = std::make_shared<Counting>();
  PipelineConfig c;
  c.buffers = {&buf};
  c.kinds = {&cpu};
  c.file_kinds = {&cpu};
  c.store_windows = true;
  c.window_sinks = {push};
  c.context.cpus = 1;
  c.clock = &clock;
  c.symbolizer.procfs_root = dir.path();
  c.procfs_root = dir.path();
  Pipeline p(std::move(c));
  ASSERT_EQ(p.file_sink(), nullptr);
  ASSERT_NE(p.file_windows(), nullptr);
  p.start(0, clock.realtime_ns(), false);
  WindowSchedule schedule({.start_ns = 0, .interval_ns = kS, .duration_ns = std::nullopt});
  FakeCapture capture(clock, buf, p, 3 * kS + 500 * kMs);
  RunLoop loop{schedule, p.file_windows(), capture, clock, {}};
  EXPECT_EQ(loop.run(), SIGTERM);
  p.end_windows();
  buf.close();
  p.finish(clock.monotonic_ns());

  ASSERT_EQ(push->got.size(), 4u);
  const auto stored = p.recent().entries();
  ASSERT_EQ(stored.size(), 4u);
  std::int64_t samples = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(stored[i].profile, push->got[i]) << "one Profile, shared by both sinks";
    samples += stored[i].profile->total(0);
  }
  EXPECT_EQ(samples, static_cast<std::int64_t>(capture.written()));
  EXPECT_TRUE(fs::is_empty(dir.path()) || !fs::exists(dir.file("out")));
}

// One CPU kind whose periodic windows go to the store and to `sink`, no
// files; the fake clock, and a scratch directory as procfs.
PipelineConfig stored_windows(ProfBuf& buf, const kinds::Kind& cpu, const Clock& clock,
                              const test::ScratchDir& dir, std::shared_ptr<Sink> sink) {
  PipelineConfig c;
  c.buffers = {&buf};
  c.kinds = {&cpu};
  c.file_kinds = {&cpu};
  c.store_windows = true;
  c.window_sinks = {std::move(sink)};
  c.clock = &clock;
  c.procfs_root = dir.path();
  c.symbolizer.procfs_root = dir.path();
  return c;
}

// A periodic window whose sink is slow (a file on a slow disk, a push to a
// server that does not answer) holds up its publisher thread. An HTTP
// request's window, closed meanwhile, has a publisher of its own: the request
// is answered while the periodic window is still being delivered.
TEST(Pipeline, AnHttpWindowIsNotQueuedBehindAPeriodicWindowStillBeingDelivered) {
  struct Stuck final : Sink {
    std::promise<void> entered, release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<int> calls{0};
    void on_profile(std::shared_ptr<const Profile>) override {
      if (calls.fetch_add(1) == 0) entered.set_value();
      released.wait();
    }
  };
  test::ScratchDir dir;
  const kinds::cpu::CpuKind cpu(kinds::cpu::CpuConfig{.frequency_hz = 100, .no_idle = true});
  testing::FakeClock clock;
  ProfBuf buf(kRecordHeaderWords, 4096, 512);
  auto stuck = std::make_shared<Stuck>();
  Pipeline p(stored_windows(buf, cpu, clock, dir, stuck));
  p.start(0, clock.realtime_ns(), false);

  // The first periodic window ends at 1 s; past the reader's grace period a
  // pass closes it, and its sink holds the periodic publisher.
  p.file_windows()->book(kS);
  p.file_windows()->boundary();
  clock.set(2 * kS);
  p.reader().run_pass();
  auto entered = stuck->entered.get_future();
  ASSERT_EQ(entered.wait_for(std::chrono::seconds(30)), std::future_status::ready);

  WindowProfileSource source(p.reader(), p.request_publisher(), {&cpu}, 1, clock, {});
  ProfileSource::Request request;
  request.duration = std::chrono::seconds(0);
  auto answer = std::async(std::launch::async, [&] { return source.collect(request); });
  // The reader's passes close the request's window once its grace is past.
  // A deadline only so that a regression fails instead of hanging.
  const auto pass_until_answered = [&](std::chrono::seconds limit) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (answer.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      clock.advance(100 * kMs);
      p.reader().run_pass();
    }
    return true;
  };
  const bool answered = pass_until_answered(std::chrono::seconds(30));
  const Publisher::Stats periodic = p.publisher().stats();
  stuck->release.set_value();
  pass_until_answered(std::chrono::seconds(60));  // one publisher or two: it answers now
  ASSERT_TRUE(answered) << "the request waited behind the periodic window";
  const auto profile = answer.get();
  ASSERT_TRUE(profile.ok()) << profile.error().line();
  EXPECT_EQ((*profile)->metadata.kind, "cpu");
  EXPECT_EQ(periodic.built, 0u) << "still delivering the first periodic window";

  p.end_windows();
  buf.close();
  p.finish(clock.monotonic_ns());
  // Counted once delivered, so read after the publishers have stopped.
  EXPECT_EQ(p.request_publisher().stats().built, 1u);
  EXPECT_EQ(p.publisher().stats().built, 2u) << "both periodic windows, once released";
  EXPECT_EQ(stuck->calls.load(), 2);
}

// Each publisher's clock: time queued, building and delivering, summed over
// the windows it built.
TEST(Pipeline, PublisherStatsAddUpWhereEachWindowsTimeWent) {
  struct Slow final : Sink {
    void on_profile(std::shared_ptr<const Profile>) override {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  test::ScratchDir dir;
  const kinds::cpu::CpuKind cpu(kinds::cpu::CpuConfig{.frequency_hz = 100, .no_idle = true});
  testing::FakeClock clock;
  ProfBuf buf(kRecordHeaderWords, 4096, 512);
  Pipeline p(stored_windows(buf, cpu, clock, dir, std::make_shared<Slow>()));
  p.start(0, clock.realtime_ns(), false);
  for (std::uint64_t at = 1; at <= 3; ++at) {
    p.file_windows()->book(at * kS);
    p.file_windows()->boundary();
  }
  clock.set(5 * kS);
  p.end_windows();
  buf.close();
  p.finish(clock.monotonic_ns());
  const Publisher::Stats s = p.publisher().stats();
  EXPECT_EQ(s.built, 4u);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_GE(s.deliver_ns, 4u * 20'000'000u) << "each window slept 20 ms in its sink";
  // Closed together, the windows behind the first waited for it in the queue.
  EXPECT_GE(s.queue_ns, 20'000'000u);
  EXPECT_EQ(p.request_publisher().stats().built, 0u);
}

}  // namespace
}  // namespace profbufd

namespace profbufd {
namespace {

// SIGHUP does not stop the run; the window it falls in says so, the others do
// not, and no sample is lost or moved by it.
TEST(Pipeline, SighupIsNotedInTheWindowItFallsIn) {
  const RunResult r = run(kS, 3 * kS, 0, UINT64_MAX, 1500 * kMs);
  EXPECT_EQ(r.signal, 0);
  ASSERT_EQ(r.windows.size(), 3u);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < r.windows.size(); ++i) {
    const auto& md = r.windows[i]["metadata"];
    total += samples_of(r.windows[i]);
    const bool spans = i == 1;
    EXPECT_EQ(md["details"].contains("settings_changes"), spans) << i;
    const auto& comments = md["comments"];
    const bool noted = std::find(comments.begin(), comments.end(),
                                 "settings changed: at T: pids none -> 100") != comments.end();
    EXPECT_EQ(noted, spans) << i;
  }
  EXPECT_EQ(total, r.written);
}

}  // namespace
}  // namespace profbufd
