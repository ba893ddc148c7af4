// The unwinder's table builds, on the real binaries of this machine.
//
//   BM_BuildUnwindTable/<binary>  build_cfi_table_fd (libdw over .eh_frame and
//                                 .debug_frame) and lay_out (the kernel layout)
//                                 of one binary, from an open file. Time is per
//                                 binary. Counters:
//                                   cfi_MB       .eh_frame + .debug_frame read
//                                   ms_per_cfi_MB  build time per MB of CFI
//                                   rows         rows after merging equal neighbours
//                                   kernel_KB    rows + page entries in the kernel
//                                   B_per_row    kernel bytes / rows
//                                   parca_KB     the same rows at Parca's 14 B/row
//                                   vs_parca     kernel_KB / parca_KB (goal: < 0.25)
//
// Binaries: libc, libpython3.11 (Debian's python3.11 links it) and node; a
// binary that is not installed is skipped with the reason.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/fd.h"
#include "unwind/cfi_rows.h"
#include "unwind/table_layout.h"

namespace profbufd {
namespace {

struct Binary {
  const char* name;
  const char* path;
};

constexpr Binary kBinaries[] = {
    {"libc", "/lib/x86_64-linux-gnu/libc.so.6"},
    {"libpython3.11", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"},
    {"node", "/usr/bin/node"},
};

void BM_BuildUnwindTable(benchmark::State& state) {
  const Binary& b = kBinaries[state.range(0)];
  state.SetLabel(b.name);
  Fd fd(::open(b.path, O_RDONLY | O_CLOEXEC));
  if (!fd) {
    state.SkipWithError((std::string(b.path) + " is not installed").c_str());
    return;
  }
  std::size_t cfi_bytes = 0, rows = 0, kernel = 0, nrules = 0;
  for (auto _ : state) {
    auto table = unwind::build_cfi_table_fd(fd.get(), b.path);
    if (!table) {
      state.SkipWithError(table.error().why.c_str());
      return;
    }
    auto layout = unwind::lay_out(*table);
    if (!layout) {
      state.SkipWithError(layout.error().why.c_str());
      return;
    }
    cfi_bytes = table->stats.eh_frame_bytes + table->stats.debug_frame_bytes;
    rows = layout->rows.size();
    kernel = unwind::kernel_bytes(*layout);
    nrules = layout->rules.size();
    benchmark::DoNotOptimize(layout->rows.data());
  }
  const double mb = static_cast<double>(cfi_bytes) / (1 << 20);
  state.counters["cfi_MB"] = mb;
  state.counters["ms_per_cfi_MB"] = benchmark::Counter(
      mb / 1000.0, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rules"] = static_cast<double>(nrules);
  state.counters["kernel_KB"] = static_cast<double>(kernel) / 1024;
  state.counters["B_per_row"] = rows ? static_cast<double>(kernel) / rows : 0;
  state.counters["parca_KB"] = static_cast<double>(rows) * 14 / 1024;
  state.counters["vs_parca"] = rows ? static_cast<double>(kernel) / (rows * 14.0) : 0;
}
BENCHMARK(BM_BuildUnwindTable)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace profbufd
