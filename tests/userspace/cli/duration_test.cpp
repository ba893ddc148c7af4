#include "cli/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace profbufd::cli {
namespace {

using std::chrono::nanoseconds;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

struct Good {
  const char* text;
  std::int64_t nanos;
};

class ParseDurationGood : public ::testing::TestWithParam<Good> {};

TEST_P(ParseDurationGood, Parses) {
  const Good& g = GetParam();
  auto d = parse_duration(g.text);
  ASSERT_TRUE(d.ok()) << g.text << ": " << d.error().line();
  EXPECT_EQ(d->count(), g.nanos) << g.text;
}

INSTANTIATE_TEST_SUITE_P(
    Cli, ParseDurationGood,
    ::testing::Values(
        Good{"0", 0}, Good{"+0", 0}, Good{"0s", 0}, Good{"0.0h", 0},
        Good{"1ns", 1}, Good{"1us", 1'000}, Good{"1\xc2\xb5s", 1'000},
        Good{"1\xce\xbcs", 1'000}, Good{"500ms", 500'000'000}, Good{"30s", 30'000'000'000},
        Good{"+30s", 30'000'000'000}, Good{"5m", 300'000'000'000},
        Good{"1h", 3'600'000'000'000}, Good{"1h30m", 5'400'000'000'000},
        Good{"30m1h", 5'400'000'000'000},  // Go does not enforce an order
        Good{"1s1s", 2'000'000'000}, Good{"1.5s", 1'500'000'000}, Good{".5s", 500'000'000},
        Good{"5.s", 5'000'000'000}, Good{"0.1h", 360'000'000'000},
        Good{"1.25m", 75'000'000'000}, Good{"2.5us", 2'500},
        Good{"1h1m1s1ms1us1ns", 3'661'001'001'001},
        Good{"0.000000001s", 1},
        Good{"0.0000000009s", 0},    // truncated toward zero, like Go
        Good{"1.0000000019s", 1'000'000'001},
        Good{"1.000000000000000000000000001s", 1'000'000'000},  // > 18 digits dropped
        Good{"9223372036854775807ns", kMax},
        Good{"2562047h47m16.854775807s", kMax}));

struct Bad {
  const char* text;
  const char* why;
};

class ParseDurationBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ParseDurationBad, IsAUsageErrorWithReason) {
  const Bad& b = GetParam();
  auto d = parse_duration(b.text);
  ASSERT_FALSE(d.ok()) << b.text << " parsed as " << d->count();
  EXPECT_EQ(d.error().code, ExitCode::kUsage);
  EXPECT_EQ(d.error().why, b.why) << b.text;
  EXPECT_EQ(d.error().what, "duration \"" + std::string(b.text) + "\"");
}

constexpr const char* kTooLarge = "too large: the longest is 2562047h47m16.854775807s";

INSTANTIATE_TEST_SUITE_P(
    Cli, ParseDurationBad,
    ::testing::Values(
        Bad{"", "empty duration"}, Bad{"-5s", "negative durations are not allowed"},
        Bad{"-0", "negative durations are not allowed"}, Bad{"+", "not a duration"},
        Bad{"5", "missing unit"}, Bad{"1.5", "missing unit"}, Bad{"1s2", "missing unit"},
        Bad{"s", "not a duration"}, Bad{".", "not a duration"}, Bad{".s", "not a duration"},
        Bad{" 5s", "not a duration"}, Bad{"5x", "unknown unit \"x\""},
        Bad{"5S", "unknown unit \"S\""}, Bad{"5sec", "unknown unit \"sec\""},
        Bad{"5 s", "unknown unit \" s\""}, Bad{"5s ", "unknown unit \"s \""},
        Bad{"1e3s", "unknown unit \"e\""}, Bad{"1h-5m", "unknown unit \"h-\""},
        Bad{"9223372036854775808ns", kTooLarge},
        Bad{"2562047h47m16.854775808s", kTooLarge}, Bad{"2562048h", kTooLarge},
        Bad{"99999999999999999999999s", kTooLarge},
        Bad{"2562047h2562047h", kTooLarge}));

TEST(ParseDuration, ErrorLineHasWhatWhyAndHint) {
  EXPECT_EQ(parse_duration("5").error().line(),
            "profbufd: duration \"5\": missing unit "
            "(units are ns, us, ms, s, m, h; e.g. 500ms, 30s, 1h30m)");
}

struct Formatted {
  std::int64_t nanos;
  const char* text;
};

class FormatDuration : public ::testing::TestWithParam<Formatted> {};

TEST_P(FormatDuration, MatchesGoLayout) {
  EXPECT_EQ(format_duration(nanoseconds(GetParam().nanos)), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    Cli, FormatDuration,
    ::testing::Values(Formatted{0, "0s"}, Formatted{1, "1ns"}, Formatted{999, "999ns"},
                      Formatted{1'000, "1us"}, Formatted{1'100, "1.1us"},
                      Formatted{2'200'000, "2.2ms"}, Formatted{500'000'000, "500ms"},
                      Formatted{999'999'999, "999.999999ms"}, Formatted{1'000'000'000, "1s"},
                      Formatted{1'500'000'000, "1.5s"}, Formatted{61'000'000'000, "1m1s"},
                      Formatted{3'600'000'000'000, "1h0m0s"},
                      Formatted{5'400'000'000'000, "1h30m0s"},
                      Formatted{3'661'000'000'001, "1h1m1.000000001s"},
                      Formatted{-1'000'000'000, "-1s"},
                      Formatted{kMax, "2562047h47m16.854775807s"},
                      Formatted{std::numeric_limits<std::int64_t>::min(),
                                "-2562047h47m16.854775808s"}));

TEST(FormatDuration, RoundTripsThroughParse) {
  for (std::int64_t v : {std::int64_t{1}, std::int64_t{1'234}, std::int64_t{1'234'567},
                         std::int64_t{1'234'567'891}, std::int64_t{98'765'432'123'456}, kMax}) {
    auto back = parse_duration(format_duration(nanoseconds(v)));
    ASSERT_TRUE(back.ok()) << v;
    EXPECT_EQ(back->count(), v);
  }
}

}  // namespace
}  // namespace profbufd::cli
