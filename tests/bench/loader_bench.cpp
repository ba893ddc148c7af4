// Loader stage: one BPF ringbuf record -> the ProfBuf of its CPU.
//
//   BM_LoaderRoute    capture::SampleRouter::route() on full ringbuf records:
//                     decode, intern the comm, write into a real per-CPU ProfBuf.
//                     The ProfBufs are drained after every batch (as the reader
//                     thread would), so they never overflow; the drain is timed
//                     apart and reported as the drain_ns/rec counter, not in Time.
//   BM_DecodeSample   capture::decode_sample() alone, the share of route() that
//                     parses the record.
//
// Realistic assumptions:
//   - records are full sizeof(profbufd_sample) reservations (2080 bytes), as the
//     BPF program reserves fixed-size records; only the used frames are read;
//   - kernel stacks of 10-25 frames, user stacks of 10-40 frames, 2% of samples
//     from kernel threads (no user stack);
//   - 48 distinct comms over 4 CPUs, pids/tids spread over a few hundred tasks;
//   - ProfBufs sized by capture::profbuf_size_for() at 999 Hz, as profbufd does;
//   - a batch of 256 records between drains: about what 4 CPUs sampled at
//     999 Hz produce in the reader's 50 ms drain period (200), rounded up.
//
// items_processed is records: items_per_second is records/s, and "per_item" is
// the time per record (its reciprocal).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "bench_support.h"
#include "capture/sample_decoder.h"
#include "core/record.h"
#include "capture/sample_router.h"
#include "capture/sizing.h"
#include "capture/task_interner.h"
#include "core/profbuf.h"

namespace profbufd {
namespace {

constexpr std::size_t kCpus = 4;
constexpr std::size_t kPoolRecords = 1024;  // 2 MB of records, reused round-robin
constexpr std::size_t kBatch = 256;

// A pool of records, each one full ringbuf reservation.
std::vector<profbufd_sample> make_records(std::size_t n) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> comms = bench::task_names(48);
  std::uniform_int_distribution<std::size_t> comm_of(0, comms.size() - 1);
  std::uniform_int_distribution<std::uint32_t> kdepth(10, 25), udepth(10, 40);
  std::uniform_int_distribution<std::uint32_t> pid_of(1000, 1300);
  std::bernoulli_distribution kthread(0.02);
  std::vector<profbufd_sample> records(n);
  std::uint64_t t = 1'000'000'000;
  for (std::size_t i = 0; i < n; ++i) {
    profbufd_sample& s = records[i];
    std::memset(&s, 0, sizeof(s));
    s.hdr.time_ns = t += 250'000;
    s.hdr.kind = PROFBUFD_KIND_CPU;
    s.hdr.value = 1;
    s.hdr.cpu = static_cast<std::uint32_t>(i % kCpus);
    const bool is_kthread = kthread(rng);
    s.hdr.pid = is_kthread ? 0 : pid_of(rng);
    s.hdr.tid = s.hdr.pid + (s.hdr.pid ? static_cast<std::uint32_t>(i % 8) : 0);
    const std::string& c = comms[comm_of(rng)];
    std::memcpy(s.hdr.comm, c.data(), c.size());
    s.hdr.kernel_frames = static_cast<std::uint16_t>(kdepth(rng));
    s.hdr.user_frames = is_kthread ? 0 : static_cast<std::uint16_t>(udepth(rng));
    s.hdr.kernel_status = PROFBUFD_STACK_OK;
    s.hdr.user_status = is_kthread ? PROFBUFD_STACK_KERNEL_THREAD : PROFBUFD_STACK_OK;
    std::size_t f = 0;
    for (unsigned k = 0; k < s.hdr.kernel_frames; ++k) s.frames[f++] = bench::kernel_address(rng);
    for (unsigned u = 0; u < s.hdr.user_frames; ++u) s.frames[f++] = bench::user_address(rng);
  }
  return records;
}

std::span<const std::byte> as_record(const profbufd_sample& s) {
  return {reinterpret_cast<const std::byte*>(&s), sizeof(s)};
}

// Reads every committed record of `b`; returns how many real samples came out,
// and adds discarded ones (overflow records, tag null) to `lost`.
std::uint64_t drain(ProfBuf& b, std::uint64_t& lost) {
  std::uint64_t got = 0;
  for (;;) {
    const ProfBuf::ReadResult r = b.read(ReadMode::kNonBlocking);
    if (r.tags.empty()) return got;
    std::size_t di = 0;
    for (const void* tag : r.tags) {
      if (tag == nullptr) {
        lost += r.data[di + 2 + kRecordHeaderWords];
      } else {
        ++got;
      }
      di += r.data[di];
    }
    benchmark::DoNotOptimize(r.data.data());
  }
}

void BM_LoaderRoute(benchmark::State& state) {
  const std::vector<profbufd_sample> records = make_records(kPoolRecords);
  const capture::ProfBufSize size = capture::profbuf_size_for(
      999, kRecordHeaderWords, 2 * PROFBUFD_MAX_FRAMES, capture::ProfBufSizing{});
  std::vector<std::unique_ptr<ProfBuf>> owned;
  std::vector<ProfBuf*> buffers;
  for (std::size_t c = 0; c < kCpus; ++c) {
    owned.push_back(std::make_unique<ProfBuf>(kRecordHeaderWords, size.bufwords, size.tags));
    buffers.push_back(owned.back().get());
  }
  capture::TaskInterner interner;
  capture::SampleRouter router(buffers, interner);

  using Clock = std::chrono::steady_clock;
  std::size_t next = 0;
  std::uint64_t routed = 0, drained = 0, lost = 0;
  double drain_s = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < kBatch; ++i) {
      routed += router.route(as_record(records[next])) ? 1 : 0;
      next = (next + 1) % records.size();
    }
    const auto t1 = Clock::now();
    for (ProfBuf* b : buffers) drained += drain(*b, lost);
    const auto t2 = Clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    drain_s += std::chrono::duration<double>(t2 - t1).count();
  }
  // Every record must have gone through: a figure with losses would be a lie.
  if (routed != drained || lost != 0 || router.malformed() != 0 || router.misrouted() != 0) {
    state.SkipWithError("records lost or rejected: the benchmark input is wrong");
    return;
  }
  bench::set_items(state, static_cast<std::int64_t>(routed));
  state.counters["drained"] = benchmark::Counter(static_cast<double>(drained));
  state.counters["drain_ns/rec"] =
      benchmark::Counter(drained ? drain_s * 1e9 / static_cast<double>(drained) : 0);
  state.counters["comms"] = benchmark::Counter(static_cast<double>(interner.size()));
}
BENCHMARK(BM_LoaderRoute)->UseManualTime();

void BM_DecodeSample(benchmark::State& state) {
  const std::vector<profbufd_sample> records = make_records(kPoolRecords);
  std::size_t next = 0;
  for (auto _ : state) {
    const capture::DecodeResult d = capture::decode_sample(as_record(records[next]));
    benchmark::DoNotOptimize(d.sample->stack.data());
    next = (next + 1) % records.size();
  }
  bench::set_items(state, state.iterations());
}
BENCHMARK(BM_DecodeSample);

}  // namespace
}  // namespace profbufd
