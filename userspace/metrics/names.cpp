#include "metrics/names.h"

#include <stdexcept>
#include <string>

namespace profbufd::metrics {
namespace {

bool is_alpha_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
  }
  throw std::logic_error("metrics: unknown MetricType");
}

bool is_valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  if (!is_alpha_or_underscore(name[0]) && name[0] != ':') return false;
  for (const char c : name.substr(1))
    if (!is_alpha_or_underscore(c) && !is_digit(c) && c != ':') return false;
  return true;
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty() || !is_alpha_or_underscore(name[0])) return false;
  if (name.starts_with("__")) return false;
  for (const char c : name.substr(1))
    if (!is_alpha_or_underscore(c) && !is_digit(c)) return false;
  return true;
}

void check_family(MetricType type, std::string_view name, std::string_view help) {
  const std::string quoted = "metric \"" + std::string(name) + "\"";
  if (!is_valid_metric_name(name))
    throw std::invalid_argument(quoted + ": not a valid Prometheus metric name");
  const bool total = name.ends_with("_total");
  if (type == MetricType::kCounter && !total)
    throw std::invalid_argument(quoted + ": a counter's name must end in \"_total\"");
  if (type != MetricType::kCounter && total)
    throw std::invalid_argument(quoted + ": only counters may end in \"_total\"");
  if (help.empty()) throw std::invalid_argument(quoted + ": help text is empty");
}

void check_label_name(std::string_view name) {
  if (!is_valid_label_name(name))
    throw std::invalid_argument("label \"" + std::string(name) +
                                "\": not a valid Prometheus label name");
}

}  // namespace profbufd::metrics
