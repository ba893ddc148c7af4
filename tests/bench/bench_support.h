// Realistic synthetic inputs shared by the stage benchmarks: a Zipf-like rank
// sampler (a few hot stacks, a long tail), plausible kernel and user addresses,
// and a few dozen task names. Deterministic: every generator takes a seed, so
// two runs of a benchmark see the same inputs.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace profbufd::bench {

// Draws ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^s. With s = 1,
// the usual model of how samples spread over a server's stacks, and n = 5000,
// the hottest stack takes ~11% of the samples and the top 50 about half.
class ZipfSampler {
 public:
  ZipfSampler(std::size_t n, double s) : cdf_(n) {
    if (n == 0) throw std::invalid_argument("ZipfSampler: n must be > 0");
    double sum = 0;
    for (std::size_t k = 0; k < n; ++k) {
      sum += 1.0 / std::pow(static_cast<double>(k + 1), s);
      cdf_[k] = sum;
    }
    for (double& c : cdf_) c /= sum;
    cdf_.back() = 1.0;  // no rank lost to rounding
  }

  template <typename Rng>
  std::size_t operator()(Rng& rng) const {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return static_cast<std::size_t>(std::min<std::ptrdiff_t>(
        it - cdf_.begin(), static_cast<std::ptrdiff_t>(cdf_.size()) - 1));
  }

  std::size_t size() const { return cdf_.size(); }

 private:
  std::vector<double> cdf_;  // cumulative probabilities, ascending, last = 1
};

// A kernel text address: x86-64 kernel text starts at 0xffffffff81000000 and
// spans some tens of MB; frames are return addresses inside functions, so
// spread them over ~20k distinct 64-byte slots.
template <typename Rng>
std::uint64_t kernel_address(Rng& rng) {
  return 0xffffffff81000000ULL +
         std::uniform_int_distribution<std::uint64_t>(0, 20'000)(rng) * 64 +
         std::uniform_int_distribution<std::uint64_t>(0, 63)(rng);
}

// A user text address: a PIE executable near 0x55..., or one of a dozen shared
// libraries near 0x7f... (what /proc/PID/maps shows on Debian).
template <typename Rng>
std::uint64_t user_address(Rng& rng) {
  const auto lib = std::uniform_int_distribution<std::uint64_t>(0, 12)(rng);
  const std::uint64_t base =
      lib == 0 ? 0x55d0c0a00000ULL : 0x7f3a10000000ULL + lib * 0x400000ULL;
  return base + std::uniform_int_distribution<std::uint64_t>(0, 0x1fffff)(rng);
}

// `n` distinct task names of the kind a server runs (at most 15 characters,
// the kernel's TASK_COMM_LEN - 1).
inline std::vector<std::string> task_names(std::size_t n) {
  static const char* const kBase[] = {
      "nginx",     "postgres",  "java",        "python3",     "node",
      "envoy",     "redis-server", "kworker/0:1", "ksoftirqd/0", "systemd",
      "sshd",      "containerd", "dockerd",     "prometheus",  "grafana",
      "bash",      "rsyslogd",  "cron",        "chronyd",     "journald",
  };
  constexpr std::size_t kBaseCount = sizeof(kBase) / sizeof(kBase[0]);
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string s = kBase[i % kBaseCount];
    if (i >= kBaseCount) s += "-" + std::to_string(i / kBaseCount);
    if (s.size() > 15) s.resize(15);
    out.push_back(std::move(s));
  }
  return out;
}

// Reports `items` processed over the whole run two ways: items_per_second, and
// "per_item", the time per item (shown as e.g. "195ns"), so neither has to be
// computed by hand. Both use the benchmark's own clock (manual time when the
// benchmark sets it).
inline void set_items(benchmark::State& state, std::int64_t items) {
  state.SetItemsProcessed(items);
  state.counters["per_item"] = benchmark::Counter(
      static_cast<double>(items), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace profbufd::bench
