// The query of GET /debug/pprof/profile, read the way Go's net/http/pprof reads
// it (seconds=N, default 30) so that go tool pprof, Parca and Grafana Alloy's
// pyroscope.scrape need nothing special, plus profbufd's own pid=, cgroup=,
// container= and format=.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "encode/format.h"

namespace profbufd::http {

inline constexpr std::chrono::seconds kDefaultProfileSeconds{30};
// Longest window one request may ask for. It holds a worker thread and a
// concurrency slot for that long; five minutes covers every scraper's default
// (Parca and Alloy ask for 10-15 s, go tool pprof for 30 s).
inline constexpr std::chrono::seconds kMaxProfileSeconds{300};
// Distinct pid= filters one request may carry.
inline constexpr std::size_t kMaxQueryPids = 32;
// PID_MAX_LIMIT on 64-bit kernels.
inline constexpr std::uint32_t kMaxQueryPid = 4 * 1024 * 1024;
// Distinct cgroup= and container= values one request may carry (each).
inline constexpr std::size_t kMaxQuerySelectors = 16;

struct ProfileQuery {
  std::chrono::seconds duration = kDefaultProfileSeconds;
  std::vector<std::uint32_t> pids;  // empty: every process; distinct, in query order
  std::vector<std::string> cgroups;     // normalized absolute paths; distinct
  std::vector<std::string> containers;  // lowercase hex id prefixes; distinct
  OutputFormat format = OutputFormat::kPprof;
  // debug=1 (or 2): the goroutine profile as Go's text; the others ignore it.
  bool debug_text = false;
};

// `params` is the decoded query (name -> value, a name may repeat), as
// cpp-httplib's Request::params holds it.
// - seconds: a whole number 1..kMaxProfileSeconds, at most once; default 30.
// - pid: a whole number 1..kMaxQueryPid; may repeat to select several
//   processes (up to kMaxQueryPids distinct ones; a repeated pid counts once).
// - cgroup: a cgroup's path (as /proc/PID/cgroup prints it, or its directory
//   under the cgroup2 mount); keeps it and what is below it. Repeatable.
// - container: a container id or a prefix of one (hex, as `docker ps` or
//   `podman ps` show it). Repeatable.
//   pid=, cgroup= and container= together keep a stack that matches pid= (if
//   given) and, if either is given, cgroup= or container=.
// - format: pprof (default), json or folded, at most once.
// - debug: 0, 1 or 2, at most once: 1 and 2 ask for the goroutine profile as
//   Go's debug=1 text (encode/goroutine_text.h); other profiles ignore it.
// - other names are ignored, as Go's handler ignores them.
// Errors are ExitCode::kUsage; Error::line() is the one-line reason for the 400.
Result<ProfileQuery> parse_profile_query(const std::multimap<std::string, std::string>& params);

// How both queries (this one and the page's, http/page_query.h) read their
// parameters.
namespace query {

// The kUsage error for a bad `name`=`value`; the value is echoed into the
// response, so it is cut to 32 bytes and its control bytes become '?'.
Error bad(std::string_view name, std::string_view value, std::string why, std::string hint);

// A kUsage error when `name` is given more than once.
Status once(const std::multimap<std::string, std::string>& params, std::string_view name);

// Digits only (no sign, no spaces), at most `max`; false otherwise.
bool whole_number(std::string_view text, std::uint64_t max, std::uint64_t& out);

// format=: pprof, json or folded, at most once; `out` unchanged without one.
Status parse_format(const std::multimap<std::string, std::string>& params, OutputFormat& out);

}  // namespace query

}  // namespace profbufd::http
