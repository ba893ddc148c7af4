#include "metrics/names.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace profbufd::metrics {
namespace {

TEST(MetricsNames, MetricNames) {
  for (const char* ok : {"a", "_", ":", "profbufd_samples_total", "a:b_c9", "A_Z", "_x0"})
    EXPECT_TRUE(is_valid_metric_name(ok)) << ok;
  for (const char* bad : {"", "9a", "a-b", "a b", "a.b", "é", "a\n", "a{b}", "-x"})
    EXPECT_FALSE(is_valid_metric_name(bad)) << bad;
}

TEST(MetricsNames, LabelNames) {
  for (const char* ok : {"a", "_a", "cpu", "endpoint_2", "A", "_"})
    EXPECT_TRUE(is_valid_label_name(ok)) << ok;
  for (const char* bad : {"", "__name__", "__x", "1a", "a:b", "a-b", "a b", "é"})
    EXPECT_FALSE(is_valid_label_name(bad)) << bad;
}

TEST(MetricsNames, CheckFamilyEnforcesTypeSuffixAndHelp) {
  EXPECT_NO_THROW(check_family(MetricType::kCounter, "x_total", "h"));
  EXPECT_NO_THROW(check_family(MetricType::kGauge, "x_bytes", "h"));
  EXPECT_THROW(check_family(MetricType::kCounter, "x", "h"), std::invalid_argument);
  EXPECT_THROW(check_family(MetricType::kCounter, "x_totals", "h"), std::invalid_argument);
  EXPECT_THROW(check_family(MetricType::kGauge, "x_total", "h"), std::invalid_argument);
  EXPECT_THROW(check_family(MetricType::kGauge, "x", ""), std::invalid_argument);
  EXPECT_THROW(check_family(MetricType::kCounter, "9_total", "h"), std::invalid_argument);
}

TEST(MetricsNames, CheckLabelNameThrowsWithTheName) {
  EXPECT_NO_THROW(check_label_name("cpu"));
  try {
    check_label_name("__reserved");
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("__reserved"), std::string::npos) << e.what();
  }
}

TEST(MetricsNames, TypeNames) {
  EXPECT_EQ(type_name(MetricType::kCounter), "counter");
  EXPECT_EQ(type_name(MetricType::kGauge), "gauge");
}

}  // namespace
}  // namespace profbufd::metrics
