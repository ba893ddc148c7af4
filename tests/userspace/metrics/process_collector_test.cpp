#include "metrics/process_collector.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <ctime>

#include "fixture_path.h"
#include "metrics/process_stats.h"

namespace profbufd::metrics {
namespace {

using testing::fixture;

ProcessSources fixture_sources() {
  ProcessSources s;
  s.pid_stat = fixture("proc_pid_stat_plain.txt");
  s.proc_stat = fixture("proc_stat.txt");
  s.fd_dir = fixture("fd");
  s.fd_dir_is_self = false;
  s.ticks_per_second = 100;
  s.page_size = 4096;
  return s;
}

TEST(MetricsProcessCollector, SnapshotFromFixtures) {
  const ProcessSnapshot s = read_process_snapshot(fixture_sources());
  EXPECT_EQ(s.first_error, "");
  ASSERT_TRUE(s.cpu_seconds && s.resident_bytes && s.virtual_bytes && s.start_time_seconds &&
              s.open_fds && s.max_fds);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds, 18.01);  // (1234 + 567) / 100
  EXPECT_EQ(*s.resident_bytes, 4321u * 4096u);
  EXPECT_EQ(*s.virtual_bytes, 123456789u);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1700000987.65);  // btime + 98765 / 100
  EXPECT_EQ(*s.open_fds, 4u);  // fd/0, fd/1, fd/2, fd/5
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  EXPECT_EQ(*s.max_fds, static_cast<double>(lim.rlim_cur));
}

TEST(MetricsProcessCollector, ExactMetricsText) {
  ProcessSnapshot s;
  s.cpu_seconds = 18.01;
  s.resident_bytes = 17698816;
  s.virtual_bytes = 123456789;
  s.start_time_seconds = 1700000987.65;
  s.open_fds = 5;
  s.max_fds = 1048576;
  MetricWriter w;
  write_process_metrics(s, w);
  EXPECT_EQ(w.text(),
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 18.01\n"
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\n"
            "process_max_fds 1048576\n"
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 5\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 17698816\n"
            "# HELP process_start_time_seconds Start time of the process since unix epoch in "
            "seconds.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1700000987.65\n"
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\n"
            "process_virtual_memory_bytes 123456789\n");
}

TEST(MetricsProcessCollector, UnlimitedFdsIsPlusInf) {
  ProcessSnapshot s;
  s.max_fds = INFINITY;
  MetricWriter w;
  write_process_metrics(s, w);
  EXPECT_EQ(w.text(),
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\nprocess_max_fds +Inf\n");
}

TEST(MetricsProcessCollector, UnreadableSourcesLeaveOnlyTheirMetricsOut) {
  ProcessSources src = fixture_sources();
  src.proc_stat = fixture("missing_proc_stat");
  ProcessSnapshot s = read_process_snapshot(src);
  EXPECT_TRUE(s.cpu_seconds && s.resident_bytes && s.virtual_bytes && s.open_fds);
  EXPECT_FALSE(s.start_time_seconds);
  EXPECT_NE(s.first_error.find("missing_proc_stat"), std::string::npos) << s.first_error;

  src = fixture_sources();
  src.pid_stat = fixture("proc_pid_stat_truncated.txt");
  src.fd_dir = fixture("no_such_dir");
  s = read_process_snapshot(src);
  EXPECT_FALSE(s.cpu_seconds || s.resident_bytes || s.virtual_bytes || s.start_time_seconds ||
               s.open_fds);
  EXPECT_TRUE(s.max_fds);
  EXPECT_NE(s.first_error.find("field 23"), std::string::npos) << s.first_error;

  MetricWriter w;
  write_process_metrics(s, w);
  EXPECT_EQ(w.text().find("process_cpu_seconds_total"), std::string::npos);
  EXPECT_NE(w.text().find("process_max_fds"), std::string::npos);
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

TEST(MetricsProcessCollector, RealProcSelfIsPlausible) {
  const double now = static_cast<double>(std::time(nullptr));
  // Burn 30 ms of CPU so that cpu seconds, counted in 10 ms ticks, cannot be 0.
  const double start = process_cpu_seconds();
  volatile std::uint64_t sink = 0;
  while (process_cpu_seconds() - start < 0.03)
    for (int i = 0; i < 100000; ++i) sink = sink + static_cast<std::uint64_t>(i);
  const ProcessSnapshot s = read_process_snapshot(ProcessSources{});
  EXPECT_EQ(s.first_error, "");
  ASSERT_TRUE(s.cpu_seconds && s.resident_bytes && s.virtual_bytes && s.start_time_seconds &&
              s.open_fds && s.max_fds);
  EXPECT_GT(*s.cpu_seconds, 0.0);
  EXPECT_GT(*s.resident_bytes, 0u);
  EXPECT_GE(*s.virtual_bytes, *s.resident_bytes);
  // Started before now, and (btime has 1 s resolution) not long before.
  EXPECT_LE(*s.start_time_seconds, now + 1.0);
  EXPECT_GT(*s.start_time_seconds, now - 24 * 3600.0);
  EXPECT_GE(*s.open_fds, 3u);
  EXPECT_GE(*s.max_fds, static_cast<double>(*s.open_fds));
}

TEST(MetricsProcessCollector, WarnsOnceAboutUnreadableSources) {
  ProcessSources src = fixture_sources();
  src.pid_stat = fixture("missing_pid_stat");
  Registry r;
  r.add_collector(process_collector(src));
  ::testing::internal::CaptureStderr();
  const std::string first = r.render();
  const std::string second = r.render();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(first, second);
  EXPECT_NE(first.find("\nprocess_open_fds 4\n"), std::string::npos) << first;
  EXPECT_EQ(first.find("process_cpu_seconds_total"), std::string::npos) << first;
  const std::size_t at = err.find("process metrics incomplete: ");
  ASSERT_NE(at, std::string::npos) << err;
  EXPECT_NE(err.find("missing_pid_stat"), std::string::npos) << err;
  EXPECT_EQ(err.find("process metrics incomplete", at + 1), std::string::npos) << err;
}

TEST(MetricsProcessCollector, RegistersInARegistry) {
  Registry r;
  r.add_collector(process_collector(fixture_sources()));
  const std::string page = r.render();
  EXPECT_NE(page.find("\nprocess_cpu_seconds_total 18.01\n"), std::string::npos) << page;
  EXPECT_NE(page.find("\nprocess_start_time_seconds 1700000987.65\n"), std::string::npos);
  EXPECT_NE(page.find("\nprocess_open_fds 4\n"), std::string::npos);
  // Default sources: this process.
  Registry self;
  self.add_collector(process_collector());
  EXPECT_NE(self.render().find("\nprocess_resident_memory_bytes "), std::string::npos);
}

}  // namespace
}  // namespace profbufd::metrics
