// Metrics that profbufd code owns and updates from any thread: Counter and Gauge,
// grouped in families with fixed label names. Created through Registry, which
// keeps every family alive (and so every reference handed out) for its lifetime.
//
//   auto& requests = registry.counter("profbufd_http_requests_total",
//                                     "HTTP requests by endpoint and status code",
//                                     {"endpoint", "code"});
//   requests.labels({"/metrics", "200"}).inc();
//
// Updates are single relaxed atomic operations; finding a series takes the
// family's mutex, so hot paths should keep the Counter& they got from labels().
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/metric_writer.h"
#include "metrics/names.h"

namespace profbufd::metrics {

// A monotonically increasing count.
//
// value_: writers are any threads calling inc(); the reader is the thread that
// renders /metrics. All accesses are relaxed: the number publishes no other
// memory, and fetch_add is atomic, so no increment is lost; a render sees some
// value between the ones before and after the increments it races with.
class Counter {
 public:
  static constexpr MetricType kType = MetricType::kCounter;
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down.
//
// value_: same sides and the same relaxed ordering as Counter::value_. add() is a
// compare-and-swap loop inside std::atomic<double>::fetch_add (lock-free on x86-64
// and arm64), so concurrent add()s all count.
class Gauge {
 public:
  static constexpr MetricType kType = MetricType::kGauge;
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  void inc() { add(1.0); }
  void dec() { add(-1.0); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// What Registry keeps for every owned family, whatever its metric type.
class OwnedFamily {
 public:
  OwnedFamily(MetricType type, std::string name, std::string help,
              std::vector<std::string> label_names);
  virtual ~OwnedFamily() = default;
  OwnedFamily(const OwnedFamily&) = delete;
  OwnedFamily& operator=(const OwnedFamily&) = delete;

  MetricType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Writes every series' current value; called by Registry::render.
  virtual void collect(MetricWriter& writer) const = 0;

 protected:
  // Throws std::invalid_argument unless there is one value per label name.
  void check_arity(const std::vector<std::string>& values) const;
  MetricWriter::Labels labels_of(const std::vector<std::string>& values) const;
  // Declares the family even when it has no series yet, so that a collector
  // writing the same name is caught as a clash on every render, not only once
  // the family has a series.
  void declare(MetricWriter& writer) const;
  void write(MetricWriter& writer, const MetricWriter::Labels& labels,
             SampleValue value) const;

 private:
  const MetricType type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

template <typename Metric>
class Family final : public OwnedFamily {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names)
      : OwnedFamily(Metric::kType, std::move(name), std::move(help),
                    std::move(label_names)) {
    // A family without labels has exactly one series, shown (as 0) from the start.
    if (this->label_names().empty()) series_.try_emplace({});
  }

  // The series with these label values (one per label name, in declaration
  // order), created at 0 on first use. The reference stays valid for the
  // family's lifetime: std::map never moves its nodes.
  Metric& labels(const std::vector<std::string>& values = {}) {
    check_arity(values);
    std::lock_guard lock(mu_);
    return series_.try_emplace(values).first->second;
  }

  void collect(MetricWriter& writer) const override {
    declare(writer);
    std::lock_guard lock(mu_);
    for (const auto& [values, metric] : series_)
      write(writer, labels_of(values), metric.value());
  }

 private:
  mutable std::mutex mu_;  // guards series_ (the map, not the atomics inside)
  std::map<std::vector<std::string>, Metric> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;

}  // namespace profbufd::metrics
