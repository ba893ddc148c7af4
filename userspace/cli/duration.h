// Durations on the command line, written the way Go's time.ParseDuration reads
// them ("500ms", "30s", "1h30m", "1.5s"), so that --duration and --interval mean
// the same as the ?seconds= and duration flags of the Go tools users already know.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/error.h"

namespace profbufd::cli {

// The start of every duration hint; callers append examples.
inline constexpr std::string_view kDurationHint = "units are ns, us, ms, s, m, h; e.g. ";

// Parses a sequence of decimal numbers, each with an optional fraction and a
// required unit: ns, us (also "µs" and "μs"), ms, s, m, h. A leading '+' is
// allowed; the bare number "0" is the only unit-less input accepted.
// Differences from Go, on purpose: negative durations are rejected (nothing in
// profbufd runs for a negative time), and fractions are computed exactly rather
// than through float64 (results agree whenever Go's float64 is exact).
// Errors are ExitCode::kUsage with what = `duration "<text>"`; callers that know
// the flag name replace `what` and `hint`.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Go's Duration.String() layout ("1h30m0s", "1.5s", "500ms", "0s"), except that
// microseconds are written "us" to keep messages ASCII. The output parses back
// to the same value with parse_duration.
std::string format_duration(std::chrono::nanoseconds d);

}  // namespace profbufd::cli
