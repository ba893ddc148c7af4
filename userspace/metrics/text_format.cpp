#include "metrics/text_format.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace profbufd::metrics {
namespace {

template <typename Int>
std::string integer_text(Int v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) throw std::logic_error("metrics: integer does not fit 32 chars");
  return std::string(buf, end);
}

std::string escape(std::string_view in, bool quote) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

}  // namespace

double SampleValue::as_double() const {
  return std::visit([](auto v) { return static_cast<double>(v); }, v_);
}

std::string SampleValue::text() const {
  return std::visit(
      [](auto v) -> std::string {
        if constexpr (std::is_same_v<decltype(v), double>)
          return format_double(v);
        else
          return integer_text(v);
      },
      v_);
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Longest shortest-round-trip double ("-2.2250738585072014e-308") is 24 chars.
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) throw std::logic_error("metrics: double does not fit 64 chars");
  return std::string(buf, end);
}

std::string escape_help(std::string_view help) { return escape(help, false); }

std::string escape_label_value(std::string_view value) { return escape(value, true); }

}  // namespace profbufd::metrics
