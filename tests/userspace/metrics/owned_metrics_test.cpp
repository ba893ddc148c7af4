#include "metrics/owned_metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace profbufd::metrics {
namespace {

TEST(MetricsOwned, CounterCounts) {
  Counter c;
  EXPECT_EQ(c.value(), 0u);
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);
}

TEST(MetricsOwned, GaugeGoesBothWays) {
  Gauge g;
  EXPECT_EQ(g.value(), 0.0);
  g.set(10.5);
  g.inc();
  g.dec();
  g.dec();
  g.add(-0.25);
  EXPECT_EQ(g.value(), 9.25);
}

TEST(MetricsOwned, FamilyChecksNamesAtConstruction) {
  EXPECT_THROW(CounterFamily("x", "h", {}), std::invalid_argument);
  EXPECT_THROW(GaugeFamily("x_total", "h", {}), std::invalid_argument);
  EXPECT_THROW(GaugeFamily("x", "h", {"__x"}), std::invalid_argument);
  EXPECT_THROW(GaugeFamily("x", "h", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(GaugeFamily("x", "", {}), std::invalid_argument);
  EXPECT_NO_THROW(GaugeFamily("x", "h", {"a", "b"}));
}

TEST(MetricsOwned, LabelsMustMatchTheLabelNames) {
  CounterFamily f("r_total", "h", {"endpoint", "code"});
  EXPECT_THROW(f.labels({"/metrics"}), std::invalid_argument);
  EXPECT_THROW(f.labels({"/metrics", "200", "x"}), std::invalid_argument);
  EXPECT_THROW(f.labels(), std::invalid_argument);
  EXPECT_NO_THROW(f.labels({"/metrics", "200"}));
}

TEST(MetricsOwned, SameLabelsSameSeriesAndReferencesStayValid) {
  CounterFamily f("r_total", "h", {"code"});
  Counter& ok = f.labels({"200"});
  ok.inc();
  // Many more series: map nodes do not move, so `ok` still points at the series.
  for (int i = 0; i < 1000; ++i) f.labels({std::to_string(i + 300)}).inc();
  ok.inc();
  EXPECT_EQ(&f.labels({"200"}), &ok);
  EXPECT_EQ(f.labels({"200"}).value(), 2u);
}

TEST(MetricsOwned, UnlabeledFamilyShowsZeroFromTheStart) {
  GaugeFamily g("up_seconds", "h", {});
  MetricWriter w;
  g.collect(w);
  EXPECT_EQ(w.text(), "# HELP up_seconds h\n# TYPE up_seconds gauge\nup_seconds 0\n");
}

TEST(MetricsOwned, LabeledFamilyShowsOnlyUsedSeries) {
  CounterFamily f("r_total", "Requests.", {"endpoint", "code"});
  {
    MetricWriter w;
    f.collect(w);
    EXPECT_EQ(w.text(), "");
  }
  f.labels({"/metrics", "200"}).inc(3);
  f.labels({"/", "404"}).inc();
  MetricWriter w;
  f.collect(w);
  EXPECT_EQ(w.text(),
            "# HELP r_total Requests.\n# TYPE r_total counter\n"
            "r_total{endpoint=\"/\",code=\"404\"} 1\n"
            "r_total{endpoint=\"/metrics\",code=\"200\"} 3\n");
}

TEST(MetricsOwned, GaugeValuesKeepFractions) {
  GaugeFamily g("ratio", "h", {});
  g.labels().set(0.75);
  MetricWriter w;
  g.collect(w);
  EXPECT_EQ(w.text(), "# HELP ratio h\n# TYPE ratio gauge\nratio 0.75\n");
}

// Run under TSan (make test-unit SANITIZE=thread GTEST_FILTER='Metrics*'): series
// are created and incremented from several threads while another collects.
TEST(MetricsOwned, ConcurrentIncrementsAreAllCounted) {
  CounterFamily f("c_total", "h", {"worker"});
  GaugeFamily g("g", "h", {});
  constexpr int kThreads = 4, kIncrements = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        f.labels({"shared"}).inc();
        f.labels({std::to_string(t)}).inc(2);
        g.labels().inc();
      }
    });
  std::thread reader([&] {
    for (int i = 0; i < 50; ++i) {
      MetricWriter w;
      f.collect(w);
      g.collect(w);
      EXPECT_NE(w.text().find("# TYPE g gauge"), std::string::npos);
    }
  });
  for (auto& t : threads) t.join();
  reader.join();
  EXPECT_EQ(f.labels({"shared"}).value(), std::uint64_t{kThreads} * kIncrements);
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(f.labels({std::to_string(t)}).value(), 2u * kIncrements);
  EXPECT_EQ(g.labels().value(), double{kThreads} * kIncrements);
}

}  // namespace
}  // namespace profbufd::metrics
