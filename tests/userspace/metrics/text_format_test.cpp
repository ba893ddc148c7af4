#include "metrics/text_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

namespace profbufd::metrics {
namespace {

TEST(MetricsTextFormat, ContentType) {
  EXPECT_EQ(kContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(MetricsTextFormat, IntegersAreExactWithoutExponent) {
  EXPECT_EQ(SampleValue(0).text(), "0");
  EXPECT_EQ(SampleValue(-3).text(), "-3");
  EXPECT_EQ(SampleValue(std::numeric_limits<std::uint64_t>::max()).text(),
            "18446744073709551615");
  EXPECT_EQ(SampleValue(std::numeric_limits<std::int64_t>::min()).text(),
            "-9223372036854775808");
  // 2^53 + 1 is not a double; printed through one it would read ...992.
  EXPECT_EQ(SampleValue(std::uint64_t{9007199254740993u}).text(), "9007199254740993");
  EXPECT_EQ(SampleValue(std::uint32_t{100000000u}).text(), "100000000");
}

TEST(MetricsTextFormat, DoublesRoundTrip) {
  EXPECT_EQ(SampleValue(5.0).text(), "5");
  EXPECT_EQ(SampleValue(0.1).text(), "0.1");
  EXPECT_EQ(SampleValue(-2.5).text(), "-2.5");
  EXPECT_EQ(SampleValue(1e300).text(), "1e+300");
  EXPECT_EQ(SampleValue(1700000123.45).text(), "1700000123.45");
  EXPECT_EQ(SampleValue(0.5f).text(), "0.5");
  for (const double v : {1.0 / 3.0, 2.2250738585072014e-308, -1.7976931348623157e308,
                         123456.789e-20, 6.02214076e23}) {
    const std::string s = format_double(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
}

TEST(MetricsTextFormat, SpecialDoublesSpelledAsPrometheusDoes) {
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_double(std::nan("")), "NaN");
  EXPECT_EQ(format_double(-std::nan("")), "NaN");
}

TEST(MetricsTextFormat, AsDouble) {
  EXPECT_EQ(SampleValue(7).as_double(), 7.0);
  EXPECT_EQ(SampleValue(std::uint64_t{1} << 40).as_double(), 1099511627776.0);
  EXPECT_EQ(SampleValue(0.25).as_double(), 0.25);
  EXPECT_EQ(SampleValue(1), SampleValue(1));
  EXPECT_FALSE(SampleValue(1) == SampleValue(1.0));  // different kinds of number
}

TEST(MetricsTextFormat, EscapeHelp) {
  EXPECT_EQ(escape_help("plain text"), "plain text");
  EXPECT_EQ(escape_help("a\\b\nc \"q\""), "a\\\\b\\nc \"q\"");
  EXPECT_EQ(escape_help(""), "");
}

TEST(MetricsTextFormat, EscapeLabelValue) {
  EXPECT_EQ(escape_label_value("/metrics"), "/metrics");
  EXPECT_EQ(escape_label_value("a\\b\nc \"q\""), "a\\\\b\\nc \\\"q\\\"");
  EXPECT_EQ(escape_label_value("\\\\"), "\\\\\\\\");
  EXPECT_EQ(escape_label_value("ünïcode"), "ünïcode");
}

}  // namespace
}  // namespace profbufd::metrics
