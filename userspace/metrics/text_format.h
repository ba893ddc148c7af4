// The pieces of the Prometheus text exposition format 0.0.4 that need care:
// escaping and number spelling. Whole pages are put together by MetricWriter.
//
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge
//   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace profbufd::metrics {

// What /metrics answers with, as the Content-Type header.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A sample's value. Integers stay integers, so that a counter of 2^60 samples is
// printed exactly rather than rounded through a double.
class SampleValue {
 public:
  template <typename T>
    requires std::is_arithmetic_v<T> && (!std::is_same_v<T, bool>)
  SampleValue(T v) {  // NOLINT: implicit, so callers can write w.gauge(..., 3)
    if constexpr (std::is_floating_point_v<T>)
      v_ = static_cast<double>(v);
    else if constexpr (std::is_signed_v<T>)
      v_ = static_cast<std::int64_t>(v);
    else
      v_ = static_cast<std::uint64_t>(v);
  }

  // The number as Prometheus reads it (a float64), for tests and comparisons.
  double as_double() const;
  // Shortest text that reads back as the same value: integers in decimal without
  // exponent, doubles round-trip exact, and "+Inf", "-Inf", "NaN".
  std::string text() const;

  bool operator==(const SampleValue&) const = default;

 private:
  std::variant<std::int64_t, std::uint64_t, double> v_;
};

// Spellings of a double: "+Inf", "-Inf", "NaN", otherwise the shortest decimal
// that parses back to the same double (std::to_chars), e.g. "0.1", "1e+300".
std::string format_double(double v);

// HELP text escaping: backslash -> \\, newline -> \n.
std::string escape_help(std::string_view help);

// Label value escaping: backslash -> \\, double quote -> \", newline -> \n.
std::string escape_label_value(std::string_view value);

}  // namespace profbufd::metrics
