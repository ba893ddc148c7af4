// Capture::open's option checks run before anything privileged, so they are
// unit-testable. The BPF side is covered by tests/e2e/capture_test.cpp.
#include "capture/capture.h"

#include <gtest/gtest.h>

namespace profbufd::capture {
namespace {

TEST(CaptureTest, ZeroRecordRateIsAUsageError) {
  CaptureOptions o;
  o.records_per_cpu_second = 0;
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kUsage);
  EXPECT_NE(c.error().line().find("rate"), std::string::npos);
}

TEST(CaptureTest, TooManyPidsIsAUsageError) {
  CaptureOptions o;
  o.pids.assign(PROFBUFD_MAX_PIDS + 1, 1);
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kUsage);
  EXPECT_NE(c.error().line().find("32"), std::string::npos) << c.error().line();
}

TEST(CaptureTest, ProfBufTooSmallForOneSampleIsAUsageError) {
  CaptureOptions o;
  o.profbuf_size = ProfBufSize{.bufwords = 100, .tags = 16};
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kUsage);
}

TEST(CaptureTest, UnreadableCpuListNamesThePath) {
  CaptureOptions o;
  o.cpu_online_path = "/nonexistent/profbufd/online";
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().line().find("/nonexistent/profbufd/online"), std::string::npos);
}

TEST(CaptureTest, MalformedCpuListIsAnError) {
  CaptureOptions o;
  o.cpu_online_path = "tests/fixtures/capture/cpu_online_malformed";
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().line().find("cpu_online_malformed"), std::string::npos)
      << c.error().line();
}

TEST(CaptureTest, StatsTotalsSumPerCpuFigures) {
  CaptureStats s;
  s.cpus = {{.cpu = 0, .samples = 5}, {.cpu = 3, .samples = 7}};
  s.kinds = {{.seen = 6, .dropped = 1}, {.seen = 9, .dropped = 2}};
  EXPECT_EQ(s.total_samples(), 12u);
  EXPECT_EQ(s.total_drops(), 3u);
}

}  // namespace
}  // namespace profbufd::capture
