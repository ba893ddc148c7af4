// Reader stage: per-CPU ProfBufs -> aggregated stacks of an open window.
//
//   BM_ReaderDrain/N   Reader::start() + Reader::finish() over 4 closed ProfBufs
//                      holding N samples in total, with one open Window: every
//                      record is parsed, keyed and counted in the window's
//                      StackTable. The refill of the ProfBufs, the Reader's
//                      construction and the window's creation are not timed
//                      (manual timing). Timed overhead that is not per sample:
//                      one thread start and join, a few tens of microseconds,
//                      under 1% at the sizes run here. The records are cold
//                      in cache (9 MB and 38 MB, written by the main thread on
//                      the other CPU), where profbufd's reader finds a few
//                      hundred records every 50 ms, recently written by the
//                      loader: read this as an upper bound. The CPU column is
//                      the main thread's (the refill), not the reader's.
//   BM_StackTableAdd/warm:W   StackTable::add() alone on the same keys;
//                      warm=0: a fresh table per pass of 65536 adds (inserts of
//                      first-seen stacks plus hits), warm=1: every key already
//                      present (the steady state of a long window).
//
// Realistic assumptions:
//   - 5000 distinct stacks drawn with a Zipf distribution (s = 1.0): a few hot
//     stacks, a long tail; 30 frames on average (kernel 5-15, user 10-30),
//     2% kernel threads (kernel stack only);
//   - a stack belongs to one thread of one of ~300 processes, 48 comms;
//   - ProcessTable reads maps from a procfs root that does not exist, so a new
//     pid costs a failed open instead of reading /proc/PID/maps (once per pid
//     per run in profbufd; BM_ProcessMapsRead in symbolize_bench.cpp measures it).
//
// items_processed is samples: items_per_second is samples/s.
// "per_item" is the time per sample (StackTableAdd: per add).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "process/process_table.h"
#include "core/reader.h"
#include "common/clock.h"
#include "core/stack_table.h"
#include "core/window.h"
#include "bench_support.h"
#include "core/record.h"
#include "capture/task_interner.h"
#include "core/profbuf.h"

namespace profbufd {
namespace {

constexpr std::size_t kCpus = 4;
constexpr std::size_t kDistinctStacks = 5000;
constexpr double kZipfExponent = 1.0;
// No such directory: ProcessTable::get fails fast and remembers the pid.
constexpr const char* kNoProcfs = "/nonexistent/profbufd-bench-procfs";

struct Stack {
  RecordHeader hdr;
  const TaskIdentity* task = nullptr;
  std::vector<std::uint64_t> frames;  // kernel then user
};

// The distinct stacks and the order in which samples hit them.
struct Workload {
  capture::TaskInterner interner;
  std::vector<Stack> stacks;
  std::vector<std::uint32_t> sequence;  // index into stacks, one per sample
  double avg_frames = 0;

  explicit Workload(std::size_t samples) {
    std::mt19937_64 rng(7);
    const std::vector<std::string> comms = bench::task_names(48);
    std::uniform_int_distribution<std::uint32_t> kdepth(5, 15), udepth(10, 30);
    std::uniform_int_distribution<std::uint32_t> pid_of(1000, 1300);
    std::uniform_int_distribution<std::size_t> comm_of(0, comms.size() - 1);
    std::bernoulli_distribution kthread(0.02);
    stacks.resize(kDistinctStacks);
    for (Stack& s : stacks) {
      const bool kt = kthread(rng);
      const std::uint32_t pid = kt ? 0 : pid_of(rng);
      const std::uint32_t tid = pid + (pid ? pid_of(rng) % 8 : 0);
      StackInfo info;
      info.kernel_frames = static_cast<std::uint16_t>(kdepth(rng));
      info.user_frames = kt ? 0 : static_cast<std::uint16_t>(udepth(rng));
      info.user_status = kt ? PROFBUFD_STACK_KERNEL_THREAD : PROFBUFD_STACK_OK;
      s.hdr.pid = pid;
      s.hdr.tid = tid;
      s.hdr.kind = PROFBUFD_KIND_CPU;
      s.hdr.value = 1;
      s.hdr.stack = info;
      std::array<char, PROFBUFD_COMM_LEN> comm{};
      const std::string& c = comms[comm_of(rng)];
      std::copy(c.begin(), c.end(), comm.begin());
      s.task = interner.intern(comm);
      for (unsigned k = 0; k < info.kernel_frames; ++k)
        s.frames.push_back(bench::kernel_address(rng));
      for (unsigned u = 0; u < info.user_frames; ++u) s.frames.push_back(bench::user_address(rng));
    }
    const bench::ZipfSampler zipf(kDistinctStacks, kZipfExponent);
    sequence.reserve(samples);
    std::uint64_t frames = 0;
    for (std::size_t i = 0; i < samples; ++i) {
      sequence.push_back(static_cast<std::uint32_t>(zipf(rng)));
      frames += stacks[sequence.back()].frames.size();
    }
    avg_frames = samples ? static_cast<double>(frames) / static_cast<double>(samples) : 0;
  }

  // The StackTable key the Reader builds for stack i.
  std::vector<std::uint64_t> key(std::size_t i) const {
    const Stack& s = stacks[i];
    std::vector<std::uint64_t> k{RecordHeader::pid_tid(s.hdr.pid, s.hdr.tid),
                                 StackTable::task_word(s.task->id, 0), 0, s.hdr.stack.pack()};
    k.insert(k.end(), s.frames.begin(), s.frames.end());
    return k;
  }
};

// Fresh ProfBufs, exactly big enough for their share of the sequence, filled
// and closed (ProfBuf::close() is once per buffer, hence fresh ones).
std::vector<std::unique_ptr<ProfBuf>> fill(const Workload& wl) {
  std::array<std::size_t, kCpus> words{}, records{};
  for (std::size_t i = 0; i < wl.sequence.size(); ++i) {
    words[i % kCpus] += 2 + kRecordHeaderWords + wl.stacks[wl.sequence[i]].frames.size();
    ++records[i % kCpus];
  }
  std::vector<std::unique_ptr<ProfBuf>> bufs;
  for (std::size_t c = 0; c < kCpus; ++c)
    bufs.push_back(std::make_unique<ProfBuf>(kRecordHeaderWords, words[c] + 1, records[c] + 1));
  std::uint64_t t = 1'000'000'000;
  for (std::size_t i = 0; i < wl.sequence.size(); ++i) {
    const Stack& s = wl.stacks[wl.sequence[i]];
    RecordHeader hdr = s.hdr;
    hdr.cpu = static_cast<std::uint32_t>(i % kCpus);
    bufs[i % kCpus]->write(s.task, t += 250'000, hdr.pack(), s.frames);
  }
  for (auto& b : bufs) b->close();
  return bufs;
}

void BM_ReaderDrain(benchmark::State& state) {
  const auto samples = static_cast<std::size_t>(state.range(0));
  const Workload wl(samples);
  ProcessTable processes(kNoProcfs);
  using Clock = std::chrono::steady_clock;
  std::size_t distinct = 0;
  for (auto _ : state) {
    auto bufs = fill(wl);
    std::vector<ProfBuf*> raw;
    for (auto& b : bufs) raw.push_back(b.get());
    const Aggregation ticks;
    std::vector<const Aggregation*> kinds{&ticks};
    Reader reader(raw, processes, kinds, nullptr, SystemClock::instance(), Reader::Options{});
    auto window = std::make_shared<Window>(PROFBUFD_KIND_CPU, 1, 0, kOpenEnded, kCpus);
    std::shared_ptr<Window> closed;
    reader.open_window(window, [&](std::shared_ptr<Window> w) { closed = std::move(w); });

    const auto t0 = Clock::now();
    reader.start();
    reader.finish(monotonic_ns() + 1'000'000'000'000ULL);
    const auto t1 = Clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());

    if (!closed || closed->stacks.total() != samples || reader.lost() != 0) {
      state.SkipWithError("the window did not receive every sample");
      break;
    }
    distinct = closed->stacks.size();
  }
  if (state.error_occurred()) return;
  bench::set_items(state, state.iterations() * static_cast<std::int64_t>(samples));
  state.counters["distinct"] = benchmark::Counter(static_cast<double>(distinct));
  state.counters["avg_frames"] = benchmark::Counter(wl.avg_frames);
}
BENCHMARK(BM_ReaderDrain)->Arg(1 << 15)->Arg(1 << 17)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_StackTableAdd(benchmark::State& state) {
  const bool warm = state.range(0) != 0;
  constexpr std::size_t kAdds = 1 << 16;
  const Workload wl(kAdds);
  std::vector<std::vector<std::uint64_t>> keys;
  keys.reserve(kDistinctStacks);
  for (std::size_t i = 0; i < kDistinctStacks; ++i) keys.push_back(wl.key(i));

  using Clock = std::chrono::steady_clock;
  std::unique_ptr<StackTable> warm_table;
  if (warm) {
    warm_table = std::make_unique<StackTable>();
    for (const auto& k : keys) warm_table->add(k);
  }
  std::size_t inserted = 0;
  for (auto _ : state) {
    std::unique_ptr<StackTable> fresh;
    if (!warm) fresh = std::make_unique<StackTable>();
    StackTable& table = warm ? *warm_table : *fresh;
    std::size_t ins = 0;
    const auto t0 = Clock::now();
    for (std::uint32_t i : wl.sequence) ins += table.add(keys[i]) ? 1 : 0;
    const auto t1 = Clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    inserted = ins;
    benchmark::DoNotOptimize(table.total());
  }
  bench::set_items(state, state.iterations() * static_cast<std::int64_t>(kAdds));
  state.counters["inserts/pass"] = benchmark::Counter(static_cast<double>(inserted));
  state.counters["avg_frames"] = benchmark::Counter(wl.avg_frames);
}
BENCHMARK(BM_StackTableAdd)->ArgName("warm")->Arg(0)->Arg(1)->UseManualTime();

}  // namespace
}  // namespace profbufd
