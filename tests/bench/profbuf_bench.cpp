// ProfBuf throughput with the record shape profbufd uses: a 4-word header and a
// 32-word stack (38 words per record).
//
//   BM_ProfBufWriteRead            one thread: write one record, read it back
//   BM_ProfBufWriteReadBatch/k     one thread: write k records, then drain them
//   BM_ProfBufTwoThreads/words     writer thread (timed) + blocking reader thread,
//                                  ring of `words` words
//
// items_processed is records, so "items_per_second" is records/s; ns per record is
// the reciprocal (or Time for the one-record-per-iteration benchmarks).
#include "core/profbuf.h"

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <thread>

namespace profbufd {
namespace {

constexpr std::size_t kHdr = 4;
constexpr std::size_t kStack = 32;
constexpr std::size_t kRecordWords = 2 + kHdr + kStack;

struct Sample {
  std::array<std::uint64_t, kHdr> hdr{1, 2, 3, 4};
  std::array<std::uint64_t, kStack> stk{};
  Sample() {
    for (std::size_t i = 0; i < kStack; ++i) stk[i] = 0xffffffff81000000u + i * 64;
  }
};

int g_tag;

void BM_ProfBufWriteRead(benchmark::State& state) {
  ProfBuf b(kHdr, 1 << 16, 1 << 10);
  Sample s;
  std::uint64_t now = 0;
  for (auto _ : state) {
    b.write(&g_tag, ++now, s.hdr, s.stk);
    ProfBuf::ReadResult r = b.read(ReadMode::kNonBlocking);
    benchmark::DoNotOptimize(r.data.data());
    if (r.data.size() != kRecordWords) {  // an overflow would make the figure a lie
      state.SkipWithError("record lost");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProfBufWriteRead);

void BM_ProfBufWriteReadBatch(benchmark::State& state) {
  const auto k = static_cast<std::size_t>(state.range(0));
  ProfBuf b(kHdr, 1 << 16, 1 << 10);
  Sample s;
  std::uint64_t now = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < k; ++i) b.write(&g_tag, ++now, s.hdr, s.stk);
    std::size_t got = 0;
    while (got < k) {
      ProfBuf::ReadResult r = b.read(ReadMode::kNonBlocking);
      if (r.tags.empty()) break;
      benchmark::DoNotOptimize(r.data.data());
      got += r.tags.size();
    }
    if (got != k) {
      state.SkipWithError("records lost");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(k));
}
BENCHMARK(BM_ProfBufWriteReadBatch)->Arg(8)->Arg(64)->Arg(512);

// The writer is timed; a blocking reader drains concurrently. Records the reader
// could not keep up with are counted as overflow (reported as "lost"), exactly as
// profbufd would see them.
void BM_ProfBufTwoThreads(benchmark::State& state) {
  const auto words = static_cast<std::size_t>(state.range(0));
  ProfBuf b(kHdr, words, words / kRecordWords + 1);
  std::uint64_t delivered = 0, lost = 0;
  std::thread reader([&] {
    for (;;) {
      ProfBuf::ReadResult r = b.read(ReadMode::kBlocking);
      if (r.eof) return;
      std::size_t di = 0;
      for (const void* tag : r.tags) {
        if (tag == nullptr) {
          lost += r.data[di + 2 + kHdr];
        } else {
          ++delivered;
        }
        di += r.data[di];
      }
    }
  });
  Sample s;
  std::uint64_t now = 0;
  for (auto _ : state) b.write(&g_tag, ++now, s.hdr, s.stk);
  b.close();
  reader.join();  // happens-before: delivered/lost are final
  state.SetItemsProcessed(state.iterations());
  state.counters["delivered"] = benchmark::Counter(static_cast<double>(delivered));
  state.counters["lost"] = benchmark::Counter(static_cast<double>(lost));
  state.counters["delivered/s"] =
      benchmark::Counter(static_cast<double>(delivered), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ProfBufTwoThreads)->Arg(1 << 12)->Arg(1 << 16)->UseRealTime();

}  // namespace
}  // namespace profbufd
