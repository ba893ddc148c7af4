// Output stage: encoding one large symbolized Profile.
//
//   BM_Render/format:F   render(profile, F) for F = 0 pprof (protobuf + gzip),
//                        1 JSON, 2 folded: the whole call, as the file writer and
//                        the HTTP handlers make it.
//   BM_EncodePprofProto  encode_pprof_proto() alone: the pprof encoding without
//                        gzip, so the two shares of BM_Render/format:0 are known.
//
// Realistic assumptions (a busy 20-CPU server, 60 s at 99 Hz, many processes):
//   - 20,000 distinct samples (stacks) holding ~120,000 samples: counts drawn
//     with P(count = k) ~ 1/k^2, so most stacks were seen once or twice and a
//     few hundred times; plus one lost-sample frame;
//   - ~50,000 distinct locations: 10,000 kernel, 40,000 user, over 200 mappings
//     (the kernel and 199 binaries/libraries with build IDs);
//   - 30 frames per stack on average (kernel 5-15, user 10-30), C++-style
//     demangled user function names of 40-90 characters, ~3 locations per
//     function;
//   - 48 distinct comms, a few hundred pids.
//
// items_processed is samples (distinct stacks): items_per_second is samples/s.
// "per_item" is the time per sample.
// bytes_per_second is output bytes; the "bytes" counter is the output size.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>

#include "bench_support.h"
#include "encode/format.h"
#include "encode/pprof.h"
#include "model/profile.h"
#include "encode/render.h"

namespace profbufd {
namespace {

constexpr std::size_t kSamples = 20'000;
constexpr std::size_t kKernelLocations = 10'000;
constexpr std::size_t kUserLocations = 40'000;
constexpr std::size_t kUserMappings = 199;

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

// A demangled-looking C++ name: "ns7::Widget12::handle_request3(std::string const&, int)".
std::string user_function(std::size_t f, std::mt19937_64& rng) {
  static const char* const kVerbs[] = {"handle", "process", "parse", "encode", "lookup",
                                       "dispatch", "flush", "read", "write", "compute"};
  static const char* const kArgs[] = {"()", "(int)", "(std::string const&, int)",
                                      "(std::vector<unsigned long, std::allocator<unsigned long> > const&)",
                                      "(char const*, unsigned long)", "(void*)"};
  std::string s = "ns" + std::to_string(f % 97) + "::Component" + std::to_string(f % 1013) +
                  "::" + kVerbs[rng() % 10] + "_" + std::to_string(f) + kArgs[rng() % 6];
  return s;
}

Profile make_profile() {
  std::mt19937_64 rng(3);
  Profile p;
  p.metadata.version = "0.1.0";
  p.metadata.host = "bench-host";
  p.metadata.kernel = "6.1.0-18-amd64";
  p.metadata.start_unix_ns = 1'795'290'780'123'456'789LL;
  p.metadata.duration_ns = 60'000'000'000LL;
  p.metadata.kind = "cpu";
  p.metadata.cpus = 20;
  p.metadata.details = {{"frequency_hz", 99}, {"idle_accounted_samples", 0}};
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.default_sample_type = "cpu";
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10'101'010;

  p.mappings.push_back(Mapping{.start = 0xffffffff81000000ULL,
                               .limit = 0xffffffff83000000ULL,
                               .offset = 0,
                               .file = "[kernel.kallsyms]",
                               .build_id = "",
                               .kernel = true});
  for (std::size_t m = 0; m < kUserMappings; ++m) {
    const std::uint64_t start = 0x7f0000000000ULL + m * 0x1000000ULL;
    std::string build_id;
    for (int i = 0; i < 5; ++i) build_id += hex(rng() | (1ULL << 60)).substr(0, 8);
    p.mappings.push_back(Mapping{.start = start,
                                 .limit = start + 0x800000,
                                 .offset = 0x1000,
                                 .file = "/usr/lib/x86_64-linux-gnu/libcomponent" +
                                         std::to_string(m) + ".so.1",
                                 .build_id = build_id,
                                 .kernel = false});
  }

  for (std::size_t k = 0; k < kKernelLocations; ++k) {
    const std::uint64_t addr = 0xffffffff81000000ULL + k * 0x300 + 0x1d;
    p.locations.push_back(Location{.address = addr,
                                   .mapping = 0,
                                   .function = "kfunc_" + std::to_string(k / 3) + "_do_work",
                                   .module = "[kernel.kallsyms]",
                                   .offset = addr,
                                   .kind = FrameKind::kKernel,
                                   .resolved = true,
                                   .lines = {}});
  }
  for (std::size_t u = 0; u < kUserLocations; ++u) {
    const std::size_t m = u % kUserMappings;
    const Mapping& map = p.mappings[1 + m];
    const std::uint64_t addr = map.start + 0x1000 + (u / kUserMappings) * 0x80 + 0x13;
    const bool resolved = u % 20 != 0;  // 5% without a symbol, as stripped code gives
    const std::string module = "libcomponent" + std::to_string(m) + ".so.1";
    p.locations.push_back(Location{
        .address = addr,
        .mapping = static_cast<std::uint32_t>(1 + m),
        .function = resolved ? user_function(u / 3, rng) : module + "+0x" + hex(addr - map.start),
        .module = module,
        .offset = addr - map.start + map.offset,
        .kind = FrameKind::kUser,
        .resolved = resolved,
        .lines = {}});
  }
  const auto lost_location = static_cast<std::uint32_t>(p.locations.size());
  p.locations.push_back(Location{.function = "[lost: profbuf_overflow]",
                                 .module = "",
                                 .kind = FrameKind::kSynthetic,
                                 .resolved = false,
                                 .lines = {}});

  const std::vector<std::string> comms = bench::task_names(48);
  std::uniform_int_distribution<std::uint32_t> kdepth(5, 15), udepth(10, 30);
  std::uniform_int_distribution<std::uint32_t> kloc(0, kKernelLocations - 1);
  std::uniform_int_distribution<std::uint32_t> uloc(0, kUserLocations - 1);
  std::uniform_int_distribution<std::uint32_t> pid_of(1000, 1300);
  const bench::ZipfSampler counts(10'000, 2.0);  // rank k -> count k + 1
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kSamples; ++i) {
    Sample s;
    s.pid = pid_of(rng);
    s.tid = s.pid + static_cast<std::uint32_t>(rng() % 8);
    s.comm = comms[rng() % comms.size()];
    const std::uint32_t nk = kdepth(rng), nu = udepth(rng);
    for (std::uint32_t f = 0; f < nk; ++f) s.locations.push_back(kloc(rng));
    for (std::uint32_t f = 0; f < nu; ++f)
      s.locations.push_back(static_cast<std::uint32_t>(kKernelLocations) + uloc(rng));
    const auto n = static_cast<std::int64_t>(counts(rng) + 1);
    s.values = {n, n * p.period};
    total += static_cast<std::uint64_t>(n);
    p.samples.push_back(std::move(s));
  }
  Sample lost;
  lost.locations = {lost_location};
  lost.values = {17, 17 * p.period};
  p.samples.push_back(lost);
  p.metadata.lost_samples["profbuf_overflow"] = 17;
  p.metadata.comments = {"cpus 20, frequency 99 Hz", "samples " + std::to_string(total)};
  return p;
}

const Profile& profile() {
  static const Profile p = make_profile();
  return p;
}

void BM_Render(benchmark::State& state) {
  const auto format = static_cast<OutputFormat>(state.range(0));
  const Profile& p = profile();
  std::size_t bytes = 0;
  for (auto _ : state) {
    Result<std::string> out = render(p, format);
    if (!out) {
      state.SkipWithError(out.error().line().c_str());
      break;
    }
    bytes = out->size();
    benchmark::DoNotOptimize(out->data());
  }
  if (state.error_occurred()) return;
  state.SetLabel(std::string(format_name(format)));
  bench::set_items(state, state.iterations() * static_cast<std::int64_t>(p.samples.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["bytes"] = benchmark::Counter(static_cast<double>(bytes));
  state.counters["locations"] = benchmark::Counter(static_cast<double>(p.locations.size()));
  state.counters["total_samples"] =
      benchmark::Counter(static_cast<double>(p.total(0)));
}
BENCHMARK(BM_Render)
    ->ArgName("format")
    ->Arg(static_cast<int>(OutputFormat::kPprof))
    ->Arg(static_cast<int>(OutputFormat::kJson))
    ->Arg(static_cast<int>(OutputFormat::kFolded))
    ->Unit(benchmark::kMillisecond);

void BM_EncodePprofProto(benchmark::State& state) {
  const Profile& p = profile();
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string out = encode_pprof_proto(p);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  bench::set_items(state, state.iterations() * static_cast<std::int64_t>(p.samples.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.counters["bytes"] = benchmark::Counter(static_cast<double>(bytes));
}
BENCHMARK(BM_EncodePprofProto)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace profbufd
