// Collects the samples of one /metrics page and renders them in the Prometheus
// text exposition format 0.0.4.
//
// Collectors write one sample at a time, in any order; the writer groups the
// series of a family under one "# HELP"/"# TYPE" block, so a family is never
// repeated on the page (Prometheus rejects a page that repeats one).
//
// Invariants of a page, broken only by programming errors (thrown as
// std::logic_error; bad names as std::invalid_argument, see names.h):
//   - a family has one type, one help text and one set of label names;
//   - a series (family + label values) appears once;
//   - a family owned by the Registry (Counter/Gauge objects) is never written by
//     a collector as well.
// Order is deterministic: families by name, series by label values in the
// family's label order, digit runs compared as numbers ("cpu=2" before "cpu=10").
//
// Not thread-safe: one writer per render.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/names.h"
#include "metrics/text_format.h"

namespace profbufd::metrics {

class MetricWriter {
 public:
  // Label name/value pairs of one series; the order of the first series written
  // fixes the order on the page, later series may list the same names in any order.
  using Labels = std::vector<std::pair<std::string, std::string>>;

  void counter(std::string_view name, std::string_view help, const Labels& labels,
               SampleValue value) {
    add(MetricType::kCounter, name, help, labels, value, Origin::kCollector);
  }
  void counter(std::string_view name, std::string_view help, SampleValue value) {
    counter(name, help, Labels{}, value);
  }
  void gauge(std::string_view name, std::string_view help, const Labels& labels,
             SampleValue value) {
    add(MetricType::kGauge, name, help, labels, value, Origin::kCollector);
  }
  void gauge(std::string_view name, std::string_view help, SampleValue value) {
    gauge(name, help, Labels{}, value);
  }

  // The whole page so far; empty when nothing was written. A family declared
  // without any series (an owned family whose label values were never used) is
  // left out: there is nothing to say about it yet.
  std::string text() const;

 private:
  friend class OwnedFamily;  // writes owned families (Origin::kOwned)
  enum class Origin { kOwned, kCollector };

  struct NaturalLess {
    bool operator()(const std::vector<std::string>& a,
                    const std::vector<std::string>& b) const;
  };

  struct Family {
    MetricType type;
    std::string help;
    Origin origin;
    std::vector<std::string> label_names;
    // Key: label values, in label_names order.
    std::map<std::vector<std::string>, SampleValue, NaturalLess> series;
  };

  // Finds or creates the family, checking it against an earlier declaration.
  // `label_names` may list the family's names in any order.
  Family& declare(MetricType type, std::string_view name, std::string_view help,
                  const std::vector<std::string>& label_names, Origin origin);
  void add(MetricType type, std::string_view name, std::string_view help,
           const Labels& labels, SampleValue value, Origin origin);

  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace profbufd::metrics
