#include "cli/progress.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace profbufd::cli {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(FormatProgress, WithDuration) {
  EXPECT_EQ(format_progress({nanoseconds(12s), nanoseconds(30s), 12345, 0}),
            "profiling 12s / 30s  samples 12,345  lost 0");
  EXPECT_EQ(format_progress({nanoseconds(0), nanoseconds(90min), 0, 0}),
            "profiling 0s / 1h30m0s  samples 0  lost 0");
}

TEST(FormatProgress, ElapsedIsWholeSecondsAndCappedAtTotal) {
  EXPECT_EQ(format_progress({nanoseconds(12'999'999'999), nanoseconds(30s), 1, 0}),
            "profiling 12s / 30s  samples 1  lost 0");
  EXPECT_EQ(format_progress({nanoseconds(30'200'000'000), nanoseconds(30s), 1, 0}),
            "profiling 30s / 30s  samples 1  lost 0");
  // A sub-second total is shown as given; elapsed never passes it.
  EXPECT_EQ(format_progress({nanoseconds(900ms), nanoseconds(500ms), 1, 0}),
            "profiling 0s / 500ms  samples 1  lost 0");
  EXPECT_EQ(format_progress({nanoseconds(-5), nanoseconds(1s), 0, 0}),
            "profiling 0s / 1s  samples 0  lost 0");
}

TEST(FormatProgress, WithoutDurationSaysHowToStop) {
  EXPECT_EQ(format_progress({nanoseconds(3725s), std::nullopt, 1'234'567, 0}),
            "profiling 1h2m5s  samples 1,234,567  lost 0  (Ctrl-C to stop)");
}

TEST(FormatProgress, LostShare) {
  EXPECT_EQ(format_progress({nanoseconds(1s), nanoseconds(2s), 997, 3}),
            "profiling 1s / 2s  samples 997  lost 3 (0.3%)");
  EXPECT_EQ(format_progress({nanoseconds(1s), nanoseconds(2s), 1'000'000, 1}),
            "profiling 1s / 2s  samples 1,000,000  lost 1 (<0.1%)");
  EXPECT_EQ(format_progress({nanoseconds(1s), nanoseconds(2s), 0, 5}),
            "profiling 1s / 2s  samples 0  lost 5 (100.0%)");
  EXPECT_EQ(format_progress({nanoseconds(1s), nanoseconds(2s), 1, 1}),
            "profiling 1s / 2s  samples 1  lost 1 (50.0%)");
  // No overflow at the extremes.
  EXPECT_EQ(format_progress({nanoseconds(1s), nanoseconds(2s), UINT64_MAX, UINT64_MAX}),
            "profiling 1s / 2s  samples 18,446,744,073,709,551,615  "
            "lost 18,446,744,073,709,551,615 (50.0%)");
}

TEST(FormatProgress, DigitGrouping) {
  const auto samples = [](std::uint64_t n) {
    const std::string s = format_progress({nanoseconds(0), nanoseconds(1s), n, 0});
    const std::size_t b = s.find("samples ") + 8;
    return s.substr(b, s.find("  lost") - b);
  };
  EXPECT_EQ(samples(0), "0");
  EXPECT_EQ(samples(999), "999");
  EXPECT_EQ(samples(1000), "1,000");
  EXPECT_EQ(samples(100000), "100,000");
  EXPECT_EQ(samples(1000000), "1,000,000");
}

// Everything readable from `fd` right now (non-blocking).
std::string drain(int fd) {
  std::string out;
  char buf[256];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) break;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(ProgressLine, PipeIsNotATerminalAndGetsNothing) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    ProgressLine line(fds[1]);
    EXPECT_FALSE(line.enabled());
    line.update({nanoseconds(1s), nanoseconds(2s), 10, 0});
    line.finish();
  }
  ::close(fds[1]);
  char c;
  EXPECT_EQ(::read(fds[0], &c, 1), 0) << "something was written to a pipe";
  ::close(fds[0]);
}

// A pseudo-terminal in raw mode: the line discipline passes bytes unchanged.
class ProgressLineOnPty : public ::testing::Test {
 protected:
  void SetUp() override {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0) GTEST_SKIP() << "no pseudo-terminals here";
    ASSERT_EQ(::grantpt(master_), 0);
    ASSERT_EQ(::unlockpt(master_), 0);
    slave_ = ::open(::ptsname(master_), O_RDWR | O_NOCTTY);
    ASSERT_GE(slave_, 0);
    termios t{};
    ASSERT_EQ(::tcgetattr(slave_, &t), 0);
    ::cfmakeraw(&t);
    ASSERT_EQ(::tcsetattr(slave_, TCSANOW, &t), 0);
  }
  void TearDown() override {
    if (slave_ >= 0) ::close(slave_);
    if (master_ >= 0) ::close(master_);
  }
  int master_ = -1;
  int slave_ = -1;
};

TEST_F(ProgressLineOnPty, RewritesOneLineInPlace) {
  ProgressLine line(slave_);
  ASSERT_TRUE(line.enabled());
  line.update({nanoseconds(1s), nanoseconds(30s), 10, 0});
  line.update({nanoseconds(2s), nanoseconds(30s), 25, 1});
  EXPECT_EQ(drain(master_),
            "\rprofiling 1s / 30s  samples 10  lost 0\x1b[K"
            "\rprofiling 2s / 30s  samples 25  lost 1 (3.8%)\x1b[K");
  line.finish();
  EXPECT_EQ(drain(master_), "\n");
  line.finish();  // idempotent
  EXPECT_EQ(drain(master_), "");
}

TEST_F(ProgressLineOnPty, FinishWithoutUpdateWritesNothing) {
  {
    ProgressLine line(slave_);
    line.finish();
  }
  EXPECT_EQ(drain(master_), "");
}

TEST_F(ProgressLineOnPty, DestructorEndsTheLine) {
  {
    ProgressLine line(slave_);
    line.update({nanoseconds(0), std::nullopt, 0, 0});
  }
  EXPECT_EQ(drain(master_), "\rprofiling 0s  samples 0  lost 0  (Ctrl-C to stop)\x1b[K\n");
}

TEST_F(ProgressLineOnPty, WriteFailureSwitchesTheLineOff) {
  ProgressLine line(slave_);
  ASSERT_TRUE(line.enabled());
  // Swap a read-only descriptor in under the same number: writes now fail
  // (EBADF), as they would on a hung-up terminal (EIO).
  const int ro = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(ro, 0);
  ASSERT_EQ(::dup2(ro, slave_), slave_);
  ::close(ro);
  line.update({nanoseconds(1s), std::nullopt, 1, 0});
  EXPECT_FALSE(line.enabled());
  line.finish();
  EXPECT_EQ(drain(master_), "");
}

}  // namespace
}  // namespace profbufd::cli
