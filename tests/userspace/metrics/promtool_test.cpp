// The page as Prometheus's own linter sees it: `promtool check metrics` (Debian
// package prometheus) parses the text format and lints names, help and types;
// on a good page it prints nothing and exits 0.
//
// Without promtool the tests skip with the reason, except under CI=true, where
// a missing promtool is a failure: CI must run them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "metrics/process_collector.h"
#include "metrics/registry.h"

namespace profbufd::metrics {
namespace {

std::string find_promtool() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/promtool";
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

bool ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

struct CheckResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `promtool check metrics` with `page` on stdin.
CheckResult promtool_check(const std::string& promtool, const std::string& page) {
  char tmpl[] = "/tmp/profbufd-metrics-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return {};
  close(fd);
  std::ofstream(tmpl) << page;
  const std::string cmd = "'" + promtool + "' check metrics < '" + tmpl + "' 2>&1";
  CheckResult r;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (const std::size_t n = fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    const int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::filesystem::remove(tmpl);
  return r;
}

#define PROMTOOL_OR_SKIP(var)                                                    \
  const std::string var = find_promtool();                                       \
  if (var.empty()) {                                                             \
    if (ci()) FAIL() << "promtool not found on PATH under CI=true (apt-get install prometheus)"; \
    GTEST_SKIP() << "promtool not found on PATH (Debian package prometheus)";    \
  }

// A page shaped like profbufd's: owned HTTP counters, the pipeline's numbers
// through a collector, build info, and the process collector on this process.
std::string realistic_page(Registry& r) {
  auto& requests = r.counter("profbufd_http_requests_total",
                             "HTTP requests by endpoint and status code.", {"endpoint", "code"});
  requests.labels({"/metrics", "200"}).inc(12);
  requests.labels({"/debug/pprof/profile", "400"}).inc();
  requests.labels({"/debug/pprof/profile", "200"}).inc(3);
  r.gauge("profbufd_http_inflight_requests", "HTTP requests being served.").labels().set(1);
  r.add_collector([](MetricWriter& w) {
    for (int cpu = 0; cpu < 4; ++cpu)
      w.counter("profbufd_samples_total", "Samples captured, by CPU.",
                {{"cpu", std::to_string(cpu)}}, 1000 + cpu);
    for (const char* reason : {"ringbuf_full", "profbuf_overflow", "stack_unavailable"})
      w.counter("profbufd_lost_samples_total", "Samples lost, by reason.",
                {{"reason", reason}}, 0);
    w.gauge("profbufd_ringbuf_capacity_bytes", "BPF ring buffer capacity.", 8u << 20);
    w.gauge("profbufd_ringbuf_peak_used_bytes", "Highest BPF ring buffer use seen.", 123456);
    w.gauge("profbufd_unique_stacks", "Distinct stacks in the current window.", 5321);
    w.counter("profbufd_symbolization_cache_hits_total", "Symbol cache hits.", 90210);
    w.counter("profbufd_symbolization_cache_misses_total", "Symbol cache misses.", 311);
    w.counter("profbufd_profiles_written_total", "Profiles written to disk.", 7);
    w.counter("profbufd_profile_write_errors_total", "Profile writes that failed.", 1);
    w.gauge("profbufd_build_info", "profbufd build, as labels; always 1.",
            {{"version", "0.1.0"}, {"comment", "quote \" backslash \\ newline \n"}}, 1);
  });
  r.add_collector(process_collector());
  return r.render();
}

TEST(MetricsPromtool, RealisticPageIsClean) {
  PROMTOOL_OR_SKIP(promtool);
  Registry r;
  const std::string page = realistic_page(r);
  const CheckResult res = promtool_check(promtool, page);
  EXPECT_EQ(res.exit_code, 0) << res.output << "\npage:\n" << page;
  EXPECT_EQ(res.output, "") << "page:\n" << page;
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_start_time_seconds", "process_open_fds",
                           "profbufd_samples_total{cpu=\"3\"} 1003"})
    EXPECT_NE(page.find(name), std::string::npos) << name << " missing from:\n" << page;
}

TEST(MetricsPromtool, SpecialValuesAndEscapesAreClean) {
  PROMTOOL_OR_SKIP(promtool);
  Registry r;
  r.add_collector([](MetricWriter& w) {
    w.gauge("g_ratio", "Help with \\ and\nnewline.", {{"k", "inf"}}, INFINITY);
    w.gauge("g_ratio", "Help with \\ and\nnewline.", {{"k", "-inf"}}, -INFINITY);
    w.gauge("g_ratio", "Help with \\ and\nnewline.", {{"k", "nan"}}, NAN);
    w.gauge("g_ratio", "Help with \\ and\nnewline.", {{"k", "tiny"}}, 1e-300);
    w.gauge("g_ratio", "Help with \\ and\nnewline.", {{"k", "\"\\\n"}}, -0.0);
  });
  const CheckResult res = promtool_check(promtool, r.render());
  EXPECT_EQ(res.exit_code, 0) << res.output;
  EXPECT_EQ(res.output, "");
}

// The harness itself can fail: promtool does speak up on a bad page.
TEST(MetricsPromtool, HarnessSeesLintProblems) {
  PROMTOOL_OR_SKIP(promtool);
  const CheckResult res = promtool_check(promtool, "# TYPE requests counter\nrequests 1\n");
  EXPECT_NE(res.exit_code, 0);
  EXPECT_NE(res.output.find("_total"), std::string::npos) << res.output;
}

}  // namespace
}  // namespace profbufd::metrics
