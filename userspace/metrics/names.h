// Prometheus naming rules, checked when a metric is declared.
//
// A bad name is a programming error (names are string literals in our code), so
// the check_* functions throw std::invalid_argument instead of returning an
// Error: no user input ever reaches them.
#pragma once

#include <string_view>

namespace profbufd::metrics {

enum class MetricType { kCounter, kGauge };

// "counter" or "gauge", as written after "# TYPE name".
std::string_view type_name(MetricType type);

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_metric_name(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus).
bool is_valid_label_name(std::string_view name);

// Throws std::invalid_argument unless `name` is a valid metric name that fits
// `type` (counters end in "_total"; gauges do not, as promtool's linter asks)
// and `help` is non-empty (promtool reports a family without help text).
void check_family(MetricType type, std::string_view name, std::string_view help);

// Throws std::invalid_argument unless `name` is a valid label name.
void check_label_name(std::string_view name);

}  // namespace profbufd::metrics
