#include "metrics/process_stats.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fixture_path.h"

namespace profbufd::metrics {
namespace {

using testing::fixture;

std::string read_fixture(const std::string& name) {
  auto text = read_proc_file(fixture(name));
  EXPECT_TRUE(text.ok()) << text.error().line();
  return text.ok() ? *text : std::string();
}

TEST(MetricsProcessStats, ParsesPidStat) {
  auto s = parse_proc_pid_stat(read_fixture("proc_pid_stat_plain.txt"));
  ASSERT_TRUE(s.ok()) << s.error().line();
  EXPECT_EQ(s->utime_ticks, 1234u);
  EXPECT_EQ(s->stime_ticks, 567u);
  EXPECT_EQ(s->starttime_ticks, 98765u);
  EXPECT_EQ(s->vsize_bytes, 123456789u);
  EXPECT_EQ(s->rss_pages, 4321u);
}

TEST(MetricsProcessStats, CommWithSpacesAndParensIsSkippedFromTheLastParen) {
  auto s = parse_proc_pid_stat(read_fixture("proc_pid_stat_paren_comm.txt"));
  ASSERT_TRUE(s.ok()) << s.error().line();
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->starttime_ticks, 500u);
  EXPECT_EQ(s->vsize_bytes, 2048000u);
  EXPECT_EQ(s->rss_pages, 100u);
}

TEST(MetricsProcessStats, EndsRightAtRss) {
  auto s = parse_proc_pid_stat(
      "1 (a) S 0 0 0 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 33 44 55");  // no newline
  ASSERT_TRUE(s.ok()) << s.error().line();
  EXPECT_EQ(s->utime_ticks, 11u);
  EXPECT_EQ(s->stime_ticks, 22u);
  EXPECT_EQ(s->starttime_ticks, 33u);
  EXPECT_EQ(s->vsize_bytes, 44u);
  EXPECT_EQ(s->rss_pages, 55u);
}

TEST(MetricsProcessStats, RejectsMalformedPidStat) {
  auto truncated = parse_proc_pid_stat(read_fixture("proc_pid_stat_truncated.txt"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().why.find("field 23"), std::string::npos) << truncated.error().why;
  EXPECT_FALSE(parse_proc_pid_stat("").ok());
  EXPECT_FALSE(parse_proc_pid_stat("1 a S 0 0 0 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 33 44 55").ok());
  EXPECT_FALSE(parse_proc_pid_stat("1 )a( S 0 0 0 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 33 44 55").ok());
  auto garbage = parse_proc_pid_stat("1 (a) S 0 0 0 0 -1 0 0 0 0 0 1x 22 0 0 20 0 1 0 33 44 55");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().why.find("field 14"), std::string::npos) << garbage.error().why;
  EXPECT_FALSE(
      parse_proc_pid_stat("1 (a) S 0 0 0 0 -1 0 0 0 0 0 -1 22 0 0 20 0 1 0 33 44 55").ok());
}

TEST(MetricsProcessStats, BootTime) {
  auto b = parse_boot_time(read_fixture("proc_stat.txt"));
  ASSERT_TRUE(b.ok()) << b.error().line();
  EXPECT_EQ(*b, 1700000000u);
  EXPECT_EQ(*parse_boot_time("btime 5"), 5u);
  EXPECT_FALSE(parse_boot_time("cpu 1 2 3\nctxt 4\n").ok());
  EXPECT_FALSE(parse_boot_time("btime\n").ok());
  EXPECT_FALSE(parse_boot_time("btime x\n").ok());
  EXPECT_FALSE(parse_boot_time("btime 1 2\n").ok());
  EXPECT_FALSE(parse_boot_time("").ok());
}

TEST(MetricsProcessStats, RealProcSelf) {
  auto text = read_proc_file("/proc/self/stat");
  ASSERT_TRUE(text.ok()) << text.error().line();
  auto s = parse_proc_pid_stat(*text);
  ASSERT_TRUE(s.ok()) << s.error().line() << " in: " << *text;
  EXPECT_GT(s->vsize_bytes, 0u);
  EXPECT_GT(s->rss_pages, 0u);
  EXPECT_GT(s->starttime_ticks, 0u);
  auto stat = read_proc_file("/proc/stat");
  ASSERT_TRUE(stat.ok()) << stat.error().line();
  auto b = parse_boot_time(*stat);
  ASSERT_TRUE(b.ok()) << b.error().line();
  EXPECT_LE(static_cast<std::int64_t>(*b), static_cast<std::int64_t>(time(nullptr)));
}

TEST(MetricsProcessStats, ReadProcFileReportsThePath) {
  auto r = read_proc_file("/nonexistent/profbufd/stat");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what, "/nonexistent/profbufd/stat");
  EXPECT_FALSE(r.error().why.empty());
}

TEST(MetricsProcessStats, CountsEntriesOfAnFdDirectory) {
  char tmpl[] = "/tmp/profbufd-fds-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = tmpl;
  for (const char* name : {"0", "1", "2", "7", "99"}) std::ofstream(dir / name).put('x');
  auto n = count_open_fds(dir, /*self=*/false);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(n.ok()) << n.error().line();
  EXPECT_EQ(*n, 5u);
  EXPECT_FALSE(count_open_fds(dir, false).ok());  // gone now
}

TEST(MetricsProcessStats, CountsOwnOpenFdsExactly) {
  auto before = count_open_fds("/proc/self/fd", true);
  ASSERT_TRUE(before.ok()) << before.error().line();
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  auto during = count_open_fds("/proc/self/fd", true);
  close(p[0]);
  close(p[1]);
  auto after = count_open_fds("/proc/self/fd", true);
  ASSERT_TRUE(during.ok() && after.ok());
  EXPECT_EQ(*during, *before + 2);
  EXPECT_EQ(*after, *before);
  EXPECT_GE(*before, 3u);  // stdin, stdout, stderr at least
}

}  // namespace
}  // namespace profbufd::metrics
