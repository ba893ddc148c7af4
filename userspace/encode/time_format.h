// UTC timestamps as the writers print them: RFC 3339 with nanoseconds for JSON
// metadata, and a compact fixed-width stamp for file names, so that file names
// sort by time as plain strings.
#pragma once

#include <cstdint>
#include <string>

namespace profbufd {

// "2026-11-21T19:53:00.123456789Z". Times before 1970 are handled (floor
// division, so -1 is 1969-12-31T23:59:59.999999999Z).
std::string format_rfc3339_utc(std::int64_t unix_ns);

// "20261121T195300.123Z": always 20 characters (an int64 of nanoseconds spans
// only years 1677..2262), millisecond resolution, truncated toward the past.
std::string format_file_stamp_utc(std::int64_t unix_ns);

}  // namespace profbufd
