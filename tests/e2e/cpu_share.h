// Sample counts checked against the CPU time a process really had, so that
// they hold however loaded the machine is. A busy loop on a shared 2-CPU VM
// gets anything from a whole CPU to a seventh of one while other builds and
// tests run; a fixed "more than 50 samples" fails on a busy day and says
// nothing on a quiet one. What the process got, times the frequency, is what
// its samples must come to.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {

// CPU time (user + system, every thread) process `pid` has used so far, in
// seconds; 0 when it is gone.
inline double cpu_seconds(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');  // comm may hold spaces and parentheses
  if (paren == std::string::npos) return 0;
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After comm: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The CPU time of some processes over an interval of wall time.
class CpuShare {
 public:
  CpuShare() = default;
  explicit CpuShare(std::vector<pid_t> pids) : pids_(std::move(pids)) {
    for (pid_t p : pids_) start_.push_back(cpu_seconds(p));
    t0_ = std::chrono::steady_clock::now();
  }
  // Ends the interval.
  void stop() {
    wall_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    for (std::size_t i = 0; i < pids_.size(); ++i) used_.push_back(cpu_seconds(pids_[i]) - start_[i]);
  }
  // CPU seconds pids[i] used in the interval.
  double used(std::size_t i) const { return used_.at(i); }
  // Samples pids[i] should have in a window of `window_s` seconds inside the
  // interval at `hz`: its share of the interval, taken as even, over the window.
  double expected(std::size_t i, double window_s, unsigned hz) const {
    return wall_ > 0 ? used(i) * hz * std::min(1.0, window_s / wall_) : 0;
  }

 private:
  std::vector<pid_t> pids_;
  std::vector<double> start_, used_;
  std::chrono::steady_clock::time_point t0_;
  double wall_ = 0;
};

// `n` samples of pids[i] against its CPU time: at least half of what its
// share says (a few seconds of scheduling are not even), at most what all of
// its CPU time in the interval is worth (+20% and 5 for tick granularity), and
// 10 at the very least (it ran, and was seen running).
inline void expect_samples_match_cpu(std::uint64_t n, const CpuShare& share, std::size_t i,
                                     double window_s, unsigned hz, const std::string& what) {
  const double expected = share.expected(i, window_s, hz);
  const double at_most = share.used(i) * hz * 1.2 + 5;
  EXPECT_GE(static_cast<double>(n), expected * 0.5)
      << what << ": " << share.used(i) << " CPU s in the run, " << expected << " expected";
  EXPECT_LE(static_cast<double>(n), at_most) << what << ": " << share.used(i) << " CPU s";
  EXPECT_GE(n, 10u) << what << ": " << share.used(i) << " CPU s";
}

// Runs profbufd to completion; `share` covers the time from its "sampling"
// line (its window has just started) to its exit (the window has ended).
inline RunResult run_measured(std::vector<std::string> argv, CpuShare& share_out,
                              std::vector<pid_t> pids) {
  Subprocess p(std::move(argv));
  if (!p.started()) return {-1, "", "could not start"};
  if (!p.wait_for_stderr("sampling", std::chrono::seconds(60))) {
    const int st = p.wait();
    return {st, p.out(), p.err()};
  }
  share_out = CpuShare(std::move(pids));
  const int st = p.wait(std::chrono::seconds(120));
  share_out.stop();
  return {st, p.out(), p.err()};
}

}  // namespace profbufd::e2e
