// Should the reader sleep in ProfBuf's blocking read instead of polling every
// 50 ms? Both ways, against the same loader:
//
//   BM_ReaderWakeup/mode:0/cpus:N   poll: one thread drains all N buffers every
//                                   50 ms, non-blocking (what profbufd does)
//   BM_ReaderWakeup/mode:1/cpus:N   block: one thread per buffer, each in
//                                   ReadMode::kBlocking (ProfBuf's sleep and
//                                   wake are per buffer: one thread cannot wait
//                                   on N of them)
//
// The loader thread writes each CPU's 50 ms of records (999 Hz per CPU, 40
// words each) in one burst every 50 ms, as RingbufLoader does after each drain
// of the BPF ring. Each iteration runs 1 s of wall time. Counters, per second of
// wall time: reader_cpu_ms (user + system CPU of the reader threads,
// getrusage RUSAGE_THREAD), reader_sleeps (their voluntary context switches),
// and latency_ms, the mean time from a record's write to its read.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "core/profbuf.h"

namespace profbufd {
namespace {

constexpr std::size_t kHdr = 5;
constexpr std::size_t kStack = 33;  // 40 words a record, as a 30-frame sample
constexpr unsigned kHz = 999;
constexpr auto kPeriod = std::chrono::milliseconds(50);

int g_tag;

struct ThreadUse {
  double cpu_s = 0;
  long sleeps = 0;
};

ThreadUse this_thread_use() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return {static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
              static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6,
          u.ru_nvcsw};
}

// What the reader threads saw; guarded by mu.
struct Tally {
  std::mutex mu;
  ThreadUse use;
  std::uint64_t records = 0;
  double latency_sum_s = 0;
  void add(const ThreadUse& u, std::uint64_t n, double lat) {
    std::lock_guard lock(mu);
    use.cpu_s += u.cpu_s;
    use.sleeps += u.sleeps;
    records += n;
    latency_sum_s += lat;
  }
};

// Reads what one read() returned: counts records and adds up their latency.
void take(const ProfBuf::ReadResult& r, std::uint64_t& n, double& lat) {
  const std::uint64_t now = monotonic_ns();
  for (std::size_t di = 0; di < r.data.size(); di += r.data[di]) {
    ++n;
    lat += static_cast<double>(now - r.data[di + 1]) / 1e9;
  }
}

void poll_reader(std::vector<std::unique_ptr<ProfBuf>>& bufs, Tally& t) {
  const ThreadUse before = this_thread_use();
  std::uint64_t n = 0;
  double lat = 0;
  std::vector<bool> eof(bufs.size(), false);
  for (std::size_t done = 0; done < bufs.size();) {
    for (std::size_t i = 0; i < bufs.size(); ++i) {
      while (!eof[i]) {
        const auto r = bufs[i]->read(ReadMode::kNonBlocking);
        if (r.eof) {
          eof[i] = true;
          ++done;
        }
        if (r.data.empty()) break;
        take(r, n, lat);
      }
    }
    if (done < bufs.size()) std::this_thread::sleep_for(kPeriod);
  }
  const ThreadUse after = this_thread_use();
  t.add({after.cpu_s - before.cpu_s, after.sleeps - before.sleeps}, n, lat);
}

void blocking_reader(ProfBuf& buf, Tally& t) {
  const ThreadUse before = this_thread_use();
  std::uint64_t n = 0;
  double lat = 0;
  for (;;) {
    const auto r = buf.read(ReadMode::kBlocking);
    if (r.eof) break;
    take(r, n, lat);
  }
  const ThreadUse after = this_thread_use();
  t.add({after.cpu_s - before.cpu_s, after.sleeps - before.sleeps}, n, lat);
}

// Writes a burst every 50 ms for `run`, then closes every buffer.
void loader(std::vector<std::unique_ptr<ProfBuf>>& bufs, std::chrono::milliseconds run) {
  std::array<std::uint64_t, kHdr> hdr{};
  std::array<std::uint64_t, kStack> stk{};
  const unsigned per_burst = kHz * static_cast<unsigned>(kPeriod.count()) / 1000;
  const auto end = std::chrono::steady_clock::now() + run;
  auto next = std::chrono::steady_clock::now();
  while (next < end) {
    for (auto& b : bufs)
      for (unsigned k = 0; k < per_burst; ++k) b->write(&g_tag, monotonic_ns(), hdr, stk);
    next += kPeriod;
    std::this_thread::sleep_until(next);
  }
  for (auto& b : bufs) b->close();
}

void BM_ReaderWakeup(benchmark::State& state) {
  const bool blocking = state.range(0) == 1;
  const auto ncpus = static_cast<std::size_t>(state.range(1));
  const auto run = std::chrono::milliseconds(1000);
  Tally t;
  double wall = 0;
  for (auto _ : state) {
    std::vector<std::unique_ptr<ProfBuf>> bufs;
    for (std::size_t i = 0; i < ncpus; ++i)
      bufs.push_back(std::make_unique<ProfBuf>(kHdr, 1 << 14, 1 << 10));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> readers;
    if (blocking) {
      for (auto& b : bufs) readers.emplace_back(blocking_reader, std::ref(*b), std::ref(t));
    } else {
      readers.emplace_back(poll_reader, std::ref(bufs), std::ref(t));
    }
    loader(bufs, run);
    for (auto& r : readers) r.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(s);
    wall += s;
  }
  state.counters["reader_cpu_ms"] = benchmark::Counter(1000 * t.use.cpu_s / wall);
  state.counters["reader_sleeps"] = benchmark::Counter(static_cast<double>(t.use.sleeps) / wall);
  state.counters["latency_ms"] =
      benchmark::Counter(t.records ? 1000 * t.latency_sum_s / static_cast<double>(t.records) : 0);
  state.counters["records"] = benchmark::Counter(static_cast<double>(t.records) / wall);
}
BENCHMARK(BM_ReaderWakeup)
    ->ArgNames({"mode", "cpus"})
    ->Args({0, 2})
    ->Args({1, 2})
    ->Args({0, 8})
    ->Args({1, 8})
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace profbufd
