#include "metrics/metric_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace profbufd::metrics {
namespace {

TEST(MetricsWriter, EmptyPage) { EXPECT_EQ(MetricWriter().text(), ""); }

TEST(MetricsWriter, ExactPage) {
  MetricWriter w;
  w.counter("profbufd_samples_total", "Samples captured, by CPU.", {{"cpu", "0"}}, 123);
  w.gauge("profbufd_ringbuf_capacity_bytes", "Ring buffer size.", std::uint64_t{1} << 24);
  w.counter("profbufd_samples_total", "Samples captured, by CPU.", {{"cpu", "1"}}, 7);
  EXPECT_EQ(w.text(),
            "# HELP profbufd_ringbuf_capacity_bytes Ring buffer size.\n"
            "# TYPE profbufd_ringbuf_capacity_bytes gauge\n"
            "profbufd_ringbuf_capacity_bytes 16777216\n"
            "# HELP profbufd_samples_total Samples captured, by CPU.\n"
            "# TYPE profbufd_samples_total counter\n"
            "profbufd_samples_total{cpu=\"0\"} 123\n"
            "profbufd_samples_total{cpu=\"1\"} 7\n");
}

TEST(MetricsWriter, InterleavedSeriesAreGroupedUnderOneHeader) {
  MetricWriter w;
  w.gauge("b_bytes", "b", {{"x", "1"}}, 1);
  w.gauge("a_bytes", "a", {{"x", "1"}}, 1);
  w.gauge("b_bytes", "b", {{"x", "2"}}, 2);
  w.gauge("a_bytes", "a", {{"x", "2"}}, 2);
  const std::string page = w.text();
  EXPECT_EQ(page,
            "# HELP a_bytes a\n# TYPE a_bytes gauge\n"
            "a_bytes{x=\"1\"} 1\na_bytes{x=\"2\"} 2\n"
            "# HELP b_bytes b\n# TYPE b_bytes gauge\n"
            "b_bytes{x=\"1\"} 1\nb_bytes{x=\"2\"} 2\n");
}

TEST(MetricsWriter, SeriesSortNumericallyThenLexically) {
  MetricWriter w;
  for (const char* cpu : {"10", "2", "1", "0", "03", "3", "b", "a10", "a9"})
    w.counter("s_total", "h", {{"cpu", cpu}}, 1);
  EXPECT_EQ(w.text(),
            "# HELP s_total h\n# TYPE s_total counter\n"
            "s_total{cpu=\"0\"} 1\n"
            "s_total{cpu=\"1\"} 1\n"
            "s_total{cpu=\"2\"} 1\n"
            "s_total{cpu=\"3\"} 1\n"
            "s_total{cpu=\"03\"} 1\n"
            "s_total{cpu=\"10\"} 1\n"
            "s_total{cpu=\"a9\"} 1\n"
            "s_total{cpu=\"a10\"} 1\n"
            "s_total{cpu=\"b\"} 1\n");
}

TEST(MetricsWriter, LabelOrderFollowsTheFirstSeriesAndSortsByEachInTurn) {
  MetricWriter w;
  w.counter("r_total", "h", {{"endpoint", "/metrics"}, {"code", "200"}}, 3);
  w.counter("r_total", "h", {{"code", "400"}, {"endpoint", "/debug/pprof/profile"}}, 1);
  w.counter("r_total", "h", {{"code", "200"}, {"endpoint", "/debug/pprof/profile"}}, 2);
  EXPECT_EQ(w.text(),
            "# HELP r_total h\n# TYPE r_total counter\n"
            "r_total{endpoint=\"/debug/pprof/profile\",code=\"200\"} 2\n"
            "r_total{endpoint=\"/debug/pprof/profile\",code=\"400\"} 1\n"
            "r_total{endpoint=\"/metrics\",code=\"200\"} 3\n");
}

TEST(MetricsWriter, EscapesHelpAndLabelValues) {
  MetricWriter w;
  w.gauge("g", "line one\nback\\slash \"quoted\"", {{"comm", "a\"b\\c\nd"}}, 1);
  EXPECT_EQ(w.text(),
            "# HELP g line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{comm=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsWriter, ValuesOfEveryKind) {
  MetricWriter w;
  w.gauge("g", "h", {{"k", "inf"}}, std::numeric_limits<double>::infinity());
  w.gauge("g", "h", {{"k", "nan"}}, std::numeric_limits<double>::quiet_NaN());
  w.gauge("g", "h", {{"k", "neg"}}, -1.5);
  w.gauge("g", "h", {{"k", "big"}}, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(w.text(),
            "# HELP g h\n# TYPE g gauge\n"
            "g{k=\"big\"} 18446744073709551615\n"
            "g{k=\"inf\"} +Inf\n"
            "g{k=\"nan\"} NaN\n"
            "g{k=\"neg\"} -1.5\n");
}

TEST(MetricsWriter, EmptyLabelValueIsKept) {
  MetricWriter w;
  w.gauge("g", "h", {{"k", ""}}, 1);
  EXPECT_EQ(w.text(), "# HELP g h\n# TYPE g gauge\ng{k=\"\"} 1\n");
}

TEST(MetricsWriter, RejectsBadNames) {
  MetricWriter w;
  EXPECT_THROW(w.counter("bad-name_total", "h", 1), std::invalid_argument);
  EXPECT_THROW(w.counter("no_suffix", "h", 1), std::invalid_argument);
  EXPECT_THROW(w.gauge("g_total", "h", 1), std::invalid_argument);
  EXPECT_THROW(w.gauge("g", "", 1), std::invalid_argument);
  EXPECT_THROW(w.gauge("g", "h", {{"__name__", "x"}}, 1), std::invalid_argument);
  EXPECT_THROW(w.gauge("g", "h", {{"a-b", "x"}}, 1), std::invalid_argument);
  EXPECT_THROW(w.gauge("g", "h", {{"a", "x"}, {"a", "y"}}, 1), std::invalid_argument);
  EXPECT_EQ(w.text(), "");  // nothing half-registered
}

TEST(MetricsWriter, RejectsConflictingDeclarations) {
  MetricWriter w;
  w.gauge("g", "help", {{"a", "1"}}, 1);
  EXPECT_THROW(w.gauge("g", "other help", {{"a", "2"}}, 1), std::logic_error);
  EXPECT_THROW(w.gauge("g", "help", {{"b", "2"}}, 1), std::logic_error);
  EXPECT_THROW(w.gauge("g", "help", 1), std::logic_error);
  EXPECT_THROW(w.gauge("g", "help", {{"a", "2"}, {"b", "2"}}, 1), std::logic_error);
  EXPECT_THROW(w.gauge("g", "help", {{"a", "1"}}, 2), std::logic_error);  // same series

  w.counter("c_total", "help", 1);
  EXPECT_THROW(w.counter("c_total", "help", 2), std::logic_error);  // same series
  EXPECT_EQ(w.text(),
            "# HELP c_total help\n# TYPE c_total counter\nc_total 1\n"
            "# HELP g help\n# TYPE g gauge\ng{a=\"1\"} 1\n");
}

TEST(MetricsWriter, ConflictMessagesNameTheMetric) {
  MetricWriter w;
  w.gauge("profbufd_x", "help", 1);
  try {
    w.gauge("profbufd_x", "other", 2);
    FAIL() << "no throw";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("profbufd_x"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace profbufd::metrics
