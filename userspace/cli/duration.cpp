#include "cli/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace profbufd::cli {
namespace {

using u64 = std::uint64_t;
using u128 = unsigned __int128;

// The largest duration std::chrono::nanoseconds (int64) holds; Go's limit too.
constexpr u64 kMaxNanos = static_cast<u64>(std::numeric_limits<std::int64_t>::max());

struct Unit {
  std::string_view name;
  u64 nanos;
};

// "µs" is U+00B5 MICRO SIGN, "μs" is U+03BC GREEK SMALL LETTER MU: Go accepts both.
constexpr std::array<Unit, 8> kUnits = {{
    {"ns", 1},
    {"us", 1'000},
    {"\xc2\xb5s", 1'000},
    {"\xce\xbcs", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60ULL * 1'000'000'000},
    {"h", 3600ULL * 1'000'000'000},
}};


bool is_digit(char c) { return c >= '0' && c <= '9'; }

Error duration_error(std::string_view text, std::string why) {
  return make_error(ExitCode::kUsage, "duration \"" + std::string(text) + "\"",
                    std::move(why), std::string(kDurationHint) + "500ms, 30s, 1h30m");
}

// Writes value / 10^prec with the fraction's trailing zeros dropped.
void append_fixed(std::string& out, u64 value, int prec) {
  u64 scale = 1;
  for (int i = 0; i < prec; ++i) scale *= 10;
  out += std::to_string(value / scale);
  u64 frac = value % scale;
  if (frac == 0) return;
  std::string digits(static_cast<std::size_t>(prec), '0');
  for (int i = prec - 1; i >= 0; --i) {
    digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out += '.';
  out += digits;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  std::string_view s = text;
  if (s.empty()) return duration_error(text, "empty duration");
  if (s.front() == '-') return duration_error(text, "negative durations are not allowed");
  if (s.front() == '+') s.remove_prefix(1);
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return duration_error(text, "not a duration");

  u64 total = 0;
  while (!s.empty()) {
    // Integer part. Invariant: whole <= kMaxNanos; digits past that set
    // `overflow`, reported once the unit is known to be valid.
    std::size_t i = 0;
    u64 whole = 0;
    bool overflow = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      const u64 d = static_cast<u64>(s[i] - '0');
      if (whole > (kMaxNanos - d) / 10) overflow = true;
      else whole = whole * 10 + d;
    }
    const bool has_whole = i > 0;

    // Fraction. Digits past the 18th are read but dropped, which keeps
    // frac * unit inside 128 bits: together they are worth less than
    // 3.6e12 ns * 1e-18 for the largest unit (hours), far below the 1 ns
    // resolution (Go's float64 arithmetic drops more).
    u64 frac = 0;
    u64 scale = 1;
    bool has_frac = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        has_frac = true;
        if (scale < 1'000'000'000'000'000'000ULL) {
          frac = frac * 10 + static_cast<u64>(s[i] - '0');
          scale *= 10;
        }
      }
    }
    if (!has_whole && !has_frac) return duration_error(text, "not a duration");

    // Unit: everything up to the next digit or '.'.
    std::size_t j = i;
    while (j < s.size() && s[j] != '.' && !is_digit(s[j])) ++j;
    const std::string_view unit_text = s.substr(i, j - i);
    if (unit_text.empty()) {
      return duration_error(text, "missing unit");
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit_text) unit = &u;
    }
    if (unit == nullptr) {
      return duration_error(text, "unknown unit \"" + std::string(unit_text) + "\"");
    }

    const auto too_large = [&] {
      return duration_error(
          text, "too large: the longest is " +
                    format_duration(std::chrono::nanoseconds(static_cast<std::int64_t>(kMaxNanos))));
    };
    if (overflow || whole > kMaxNanos / unit->nanos) return too_large();
    u64 part = whole * unit->nanos;
    // Truncates toward zero, as Go's float-to-int conversion does.
    const u64 frac_nanos = static_cast<u64>(static_cast<u128>(frac) * unit->nanos / scale);
    if (part > kMaxNanos - frac_nanos) return too_large();
    part += frac_nanos;
    if (total > kMaxNanos - part) return too_large();
    total += part;
    s.remove_prefix(j);
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

std::string format_duration(std::chrono::nanoseconds d) {
  const std::int64_t v = d.count();
  std::string out;
  // Magnitude as unsigned so that INT64_MIN does not overflow on negation.
  u64 u = static_cast<u64>(v);
  if (v < 0) {
    out += '-';
    u = ~u + 1;
  }
  if (u == 0) return "0s";
  if (u < 1'000'000'000) {
    if (u < 1'000) {
      append_fixed(out, u, 0);
      out += "ns";
    } else if (u < 1'000'000) {
      append_fixed(out, u, 3);
      out += "us";
    } else {
      append_fixed(out, u, 6);
      out += "ms";
    }
    return out;
  }
  const u64 secs = u / 1'000'000'000;
  const u64 hours = secs / 3600;
  const u64 minutes = secs / 60 % 60;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  append_fixed(out, u % 60'000'000'000, 9);
  out += "s";
  return out;
}

}  // namespace profbufd::cli
