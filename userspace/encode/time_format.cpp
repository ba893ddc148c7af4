#include "encode/time_format.h"

#include <cstdio>
#include <ctime>

namespace profbufd {
namespace {

struct UtcTime {
  std::tm tm{};
  std::int64_t ns = 0;  // 0..999'999'999 within the second
};

// Nanoseconds in an int64 span the years 1677..2262, so every year has four
// digits and every stamp the same width.
UtcTime split(std::int64_t unix_ns) {
  constexpr std::int64_t kNsPerSec = 1'000'000'000;
  std::int64_t sec = unix_ns / kNsPerSec;
  std::int64_t ns = unix_ns % kNsPerSec;
  if (ns < 0) {  // floor, not truncation toward zero
    ns += kNsPerSec;
    --sec;
  }
  UtcTime t;
  const std::time_t tt = static_cast<std::time_t>(sec);
  gmtime_r(&tt, &t.tm);
  t.ns = ns;
  return t;
}

}  // namespace

std::string format_rfc3339_utc(std::int64_t unix_ns) {
  const UtcTime t = split(unix_ns);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                t.tm.tm_year + 1900, t.tm.tm_mon + 1, t.tm.tm_mday, t.tm.tm_hour,
                t.tm.tm_min, t.tm.tm_sec, static_cast<long long>(t.ns));
  return buf;
}

std::string format_file_stamp_utc(std::int64_t unix_ns) {
  const UtcTime t = split(unix_ns);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%03lldZ",
                t.tm.tm_year + 1900, t.tm.tm_mon + 1, t.tm.tm_mday, t.tm.tm_hour,
                t.tm.tm_min, t.tm.tm_sec,
                static_cast<long long>(t.ns / 1'000'000));
  return buf;
}

}  // namespace profbufd
