// Capture::open's option checks run before anything privileged, so they are
// unit-testable. The BPF side is covered by tests/e2e/capture_test.cpp.
#include "capture/bpf_capture.h"

#include <gtest/gtest.h>

namespace profbufd::capture {
namespace {

TEST(BpfCaptureTest, ZeroFrequencyIsAUsageError) {
  CaptureOptions o;
  o.frequency_hz = 0;
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kUsage);
  EXPECT_NE(c.error().line().find("--frequency"), std::string::npos);
}

TEST(BpfCaptureTest, TooManyPidsIsAUsageError) {
  CaptureOptions o;
  o.pids.assign(kMaxPids + 1, 1);
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kUsage);
  EXPECT_NE(c.error().line().find("32"), std::string::npos) << c.error().line();
}

TEST(BpfCaptureTest, ProfBufTooSmallForOneSampleIsAUsageError) {
  CaptureOptions o;
  o.profbuf_size = ProfBufSize{.bufwords = 100, .tags = 16};
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kUsage);
}

TEST(BpfCaptureTest, UnreadableCpuListNamesThePath) {
  CaptureOptions o;
  o.cpu_online_path = "/nonexistent/profbufd/online";
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().line().find("/nonexistent/profbufd/online"), std::string::npos);
}

TEST(BpfCaptureTest, MalformedCpuListIsAnError) {
  CaptureOptions o;
  o.cpu_online_path = "tests/fixtures/capture/cpu_online_malformed";
  auto c = Capture::open(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().line().find("cpu_online_malformed"), std::string::npos)
      << c.error().line();
}

TEST(BpfCaptureTest, StatsTotalsSumPerCpuFigures) {
  CaptureStats s;
  s.cpus = {{.cpu = 0, .samples = 5, .bpf_seen = 6, .ringbuf_drops = 1},
            {.cpu = 3, .samples = 7, .bpf_seen = 9, .ringbuf_drops = 2}};
  EXPECT_EQ(s.total_samples(), 12u);
  EXPECT_EQ(s.total_drops(), 3u);
}

}  // namespace
}  // namespace profbufd::capture
