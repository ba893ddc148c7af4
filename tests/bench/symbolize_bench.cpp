// Symbolization stage, per unique address, on the real machine's symbols.
//
//   BM_KallsymsLoad               a fresh Symbolizer's first kernel() call: reads
//                                 and indexes all of /proc/kallsyms (once per run
//                                 in profbufd). Time is per load.
//   BM_SymbolizeKernel/warm:W     Symbolizer::kernel() on N distinct addresses of
//                                 real text symbols from /proc/kallsyms.
//                                 warm=0: a fresh Symbolizer per batch with
//                                 kallsyms already loaded (untimed), so every
//                                 address misses the address cache;
//                                 warm=1: the same addresses again (cache hits).
//   BM_SymbolizeUser/mode:M       Symbolizer::user() on N distinct addresses in
//                                 the executable mappings of this benchmark binary
//                                 and of libc, found with ProcessMaps::read(getpid()).
//                                 mode=0 cold: a fresh Symbolizer per batch, timed
//                                 whole, so the ELF loads of both binaries are
//                                 included (amortized over N addresses);
//                                 mode=1 cold addresses: fresh Symbolizer, both
//                                 binaries loaded untimed first;
//                                 mode=2 warm: the same addresses again.
//                                 debug=1: libc's debug file (libc6-dbg) read;
//                                 lines=1: source lines and inlined calls from
//                                 DWARF too (libc6-dbg's, and this binary's -g).
//   BM_ProcessMapsRead            ProcessMaps::read(getpid()): the /proc/PID/maps
//                                 snapshot the reader takes once per new pid.
//                                 Time is per snapshot.
//
// Realistic assumptions: a window close symbolizes a few thousand distinct
// addresses (N = 2048 here), spread over the text of the kernel and of a couple
// of big binaries; profbufd passes each address once per window (the profile
// builder dedups), so per-address cost is what a window close pays.
// Kernel addresses need root (kernel.kptr_restrict hides them otherwise): without
// them the kernel benchmarks are skipped with the reason.
//
// items_processed is addresses: items_per_second is addresses/s.
// "per_item" is the time per address.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.h"
#include "common/error.h"
#include "process/proc_maps.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
namespace {

constexpr std::size_t kAddresses = 2048;
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// N distinct kernel addresses inside real text symbols of /proc/kallsyms (one
// per symbol, a few bytes past its start, as a return address would be), or an
// error when the file is unreadable or its addresses are hidden.
Result<std::vector<std::uint64_t>> kernel_addresses(std::size_t n) {
  std::ifstream in("/proc/kallsyms");
  if (!in) return make_error(ExitCode::kRuntime, "/proc/kallsyms", "cannot open");
  std::vector<std::uint64_t> starts;
  std::string line;
  while (std::getline(in, line)) {
    // "ffffffff81000000 T _text" [\t[module]]
    const auto sp = line.find(' ');
    if (sp == std::string::npos || sp + 2 >= line.size()) continue;
    const char type = line[sp + 1];
    if (type != 't' && type != 'T') continue;
    std::uint64_t a = 0;
    std::from_chars(line.data(), line.data() + sp, a, 16);
    if (a != 0) starts.push_back(a);
  }
  if (starts.empty())
    return make_error(ExitCode::kNoPrivilege, "/proc/kallsyms",
                      "every address reads as 0 (kernel.kptr_restrict)",
                      "run the benchmarks as root");
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::mt19937_64 rng(11);
  std::shuffle(starts.begin(), starts.end(), rng);
  starts.resize(std::min(n, starts.size()));
  for (auto& a : starts) a += 5;  // inside the function, not at its entry
  return starts;
}

// Executable mappings of this binary and of libc in this process, and N
// distinct addresses spread over them.
struct UserInput {
  ProcessMaps maps;
  std::vector<std::uint64_t> addrs;
  std::vector<std::uint64_t> one_per_binary;  // not in addrs: preloads a binary
};

Result<UserInput> user_addresses(std::size_t n) {
  auto maps = ProcessMaps::read(static_cast<int>(getpid()));
  if (!maps) return maps.error();
  char exe[4096];
  const ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return make_error(ExitCode::kRuntime, "/proc/self/exe", "unreadable");
  const std::string self(exe, static_cast<std::size_t>(len));
  std::vector<const MapEntry*> chosen;
  bool have_self = false, have_libc = false;
  for (const MapEntry& m : maps->entries()) {
    if (!m.is_file()) continue;
    if (m.path == self) {
      chosen.push_back(&m);
      have_self = true;
    } else if (m.path.find("/libc.so") != std::string::npos) {
      chosen.push_back(&m);
      have_libc = true;
    }
  }
  if (!have_self || !have_libc)
    return make_error(ExitCode::kRuntime, "/proc/self/maps",
                      "no executable mapping of this binary or of libc");
  UserInput in;
  std::mt19937_64 rng(13);
  std::set<std::uint64_t> seen;
  for (const MapEntry* m : chosen) {
    in.one_per_binary.push_back(m->start);
    seen.insert(m->start);
  }
  std::uniform_int_distribution<std::size_t> which(0, chosen.size() - 1);
  while (in.addrs.size() < n) {
    const MapEntry* m = chosen[which(rng)];
    const std::uint64_t a =
        std::uniform_int_distribution<std::uint64_t>(m->start, m->end - 1)(rng);
    if (seen.insert(a).second) in.addrs.push_back(a);
  }
  // Binary by binary, in address order, as the profile builder asks
  // (Symbolizer::prefetch): one DWARF reader open at a time.
  std::sort(in.addrs.begin(), in.addrs.end());
  in.maps = std::move(maps).value();
  return in;
}

void BM_KallsymsLoad(benchmark::State& state) {
  auto addrs = kernel_addresses(1);
  if (!addrs) {
    state.SkipWithError(addrs.error().line().c_str());
    return;
  }
  std::size_t symbols = 0, bytes = 0;
  for (auto _ : state) {
    Symbolizer sym;
    benchmark::DoNotOptimize(sym.kernel(addrs->front()).resolved);
    const Symbolizer::Stats st = sym.stats();
    symbols = st.kernel_symbols;
    bytes = st.kernel_bytes;
  }
  if (symbols == 0) {
    state.SkipWithError("the Symbolizer could not load kernel symbols");
    return;
  }
  state.counters["symbols"] = benchmark::Counter(static_cast<double>(symbols));
  state.counters["heap_bytes"] = benchmark::Counter(static_cast<double>(bytes));
}
BENCHMARK(BM_KallsymsLoad)->Unit(benchmark::kMillisecond);

void BM_SymbolizeKernel(benchmark::State& state) {
  const bool warm = state.range(0) != 0;
  auto found = kernel_addresses(kAddresses + 1);
  if (!found || found->size() < 2) {
    state.SkipWithError(found ? "too few kernel symbols" : found.error().line().c_str());
    return;
  }
  std::vector<std::uint64_t> addrs = std::move(found).value();
  const std::uint64_t preload = addrs.back();  // loads kallsyms, not in the batch
  addrs.pop_back();

  std::unique_ptr<Symbolizer> warm_sym;
  if (warm) {
    warm_sym = std::make_unique<Symbolizer>();
    warm_sym->kernel(preload);
    for (std::uint64_t a : addrs) warm_sym->kernel(a);
  }
  std::size_t resolved = 0;
  for (auto _ : state) {
    std::unique_ptr<Symbolizer> fresh;
    if (!warm) {
      fresh = std::make_unique<Symbolizer>();
      fresh->kernel(preload);
    }
    Symbolizer& sym = warm ? *warm_sym : *fresh;
    std::size_t ok = 0;
    const auto t0 = Clock::now();
    for (std::uint64_t a : addrs) ok += sym.kernel(a).resolved ? 1 : 0;
    const auto t1 = Clock::now();
    state.SetIterationTime(seconds(t0, t1));
    resolved = ok;
  }
  if (resolved == 0) {
    state.SkipWithError("no kernel address resolved: kallsyms unavailable to the Symbolizer");
    return;
  }
  bench::set_items(state, state.iterations() * static_cast<std::int64_t>(addrs.size()));
  state.counters["resolved"] =
      benchmark::Counter(static_cast<double>(resolved) / static_cast<double>(addrs.size()),
                         benchmark::Counter::kDefaults);
}
// Cold batches reload kallsyms (untimed, ~40 ms each): a fixed iteration count
// keeps the wall time of the run bounded.
BENCHMARK(BM_SymbolizeKernel)->ArgName("warm")->Arg(0)->Iterations(20)->UseManualTime();
BENCHMARK(BM_SymbolizeKernel)->ArgName("warm")->Arg(1)->UseManualTime();

void BM_SymbolizeUser(benchmark::State& state) {
  const auto mode = state.range(0);  // 0 cold, 1 cold addresses, 2 warm
  Symbolizer::Options options;        // debug 1: separate debug files read (libc6-dbg)
  if (state.range(1) == 0) options.debug_dir.clear();
  options.lines = state.range(2) != 0;  // lines 1: source lines and inlines from DWARF
  auto found = user_addresses(kAddresses);
  if (!found) {
    state.SkipWithError(found.error().line().c_str());
    return;
  }
  const UserInput& in = *found;
  const auto pid = static_cast<std::uint32_t>(getpid());

  std::unique_ptr<Symbolizer> warm_sym;
  if (mode == 2) {
    warm_sym = std::make_unique<Symbolizer>(options);
    for (std::uint64_t a : in.addrs) warm_sym->user(pid, in.maps, a);
  }
  std::size_t resolved = 0, with_lines = 0;
  std::uint64_t loaded = 0;
  for (auto _ : state) {
    std::unique_ptr<Symbolizer> fresh;
    auto t0 = Clock::now();
    if (mode != 2) {
      fresh = std::make_unique<Symbolizer>(options);
      if (mode == 1) {
        for (std::uint64_t a : in.one_per_binary) fresh->user(pid, in.maps, a);
        t0 = Clock::now();
      }
    }
    Symbolizer& sym = mode == 2 ? *warm_sym : *fresh;
    std::size_t ok = 0, lined = 0;
    for (std::uint64_t a : in.addrs) {
      const SymbolizedFrame f = sym.user(pid, in.maps, a);
      ok += f.resolved ? 1 : 0;
      lined += f.lines.empty() ? 0 : 1;
    }
    const auto t1 = Clock::now();
    state.SetIterationTime(seconds(t0, t1));
    resolved = ok;
    with_lines = lined;
    loaded = sym.stats().binaries_loaded;
  }
  if (loaded < 2) {
    state.SkipWithError("the Symbolizer could not read this binary's or libc's symbols");
    return;
  }
  bench::set_items(state, state.iterations() * static_cast<std::int64_t>(in.addrs.size()));
  state.counters["resolved"] =
      benchmark::Counter(static_cast<double>(resolved) / static_cast<double>(in.addrs.size()));
  state.counters["with_lines"] = benchmark::Counter(static_cast<double>(with_lines) /
                                                    static_cast<double>(in.addrs.size()));
}
void BM_ProcessMapsRead(benchmark::State& state) {
  const int pid = static_cast<int>(getpid());
  std::size_t entries = 0;
  for (auto _ : state) {
    Result<ProcessMaps> maps = ProcessMaps::read(pid);
    if (!maps) {
      state.SkipWithError(maps.error().line().c_str());
      break;
    }
    entries = maps->entries().size();
  }
  if (state.error_occurred()) return;
  state.counters["exec_mappings"] = benchmark::Counter(static_cast<double>(entries));
}
BENCHMARK(BM_ProcessMapsRead)->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_SymbolizeUser)
    ->ArgNames({"mode", "debug", "lines"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}, {0, 1}})
    ->UseManualTime();

}  // namespace
}  // namespace profbufd
