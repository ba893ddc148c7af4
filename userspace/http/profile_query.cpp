#include "http/profile_query.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "cgroup/cgroup_arg.h"

namespace profbufd::http {

namespace query {

Error bad(std::string_view name, std::string_view value, std::string why, std::string hint) {
  std::string shown(value.substr(0, 32));
  if (value.size() > 32) shown += "...";
  std::replace_if(shown.begin(), shown.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, '?');
  return make_error(ExitCode::kUsage, std::string(name) + "=" + shown, std::move(why),
                    std::move(hint));
}

Status once(const std::multimap<std::string, std::string>& params, std::string_view name) {
  const std::string n(name);
  if (params.count(n) > 1)
    return make_error(ExitCode::kUsage, n, "given more than once", "give " + n + "= once");
  return ok_status();
}

bool whole_number(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (d > max || v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

Status parse_format(const std::multimap<std::string, std::string>& params, OutputFormat& out) {
  if (auto s = once(params, "format"); !s) return s;
  const auto it = params.find("format");
  if (it == params.end()) return ok_status();
  constexpr std::array<OutputFormat, 3> kFormats = {OutputFormat::kPprof, OutputFormat::kJson,
                                                    OutputFormat::kFolded};
  const auto known = std::find_if(kFormats.begin(), kFormats.end(),
                                  [&](OutputFormat f) { return format_name(f) == it->second; });
  if (known == kFormats.end())
    return bad("format", it->second, "unknown format", "use pprof, json or folded");
  out = *known;
  return ok_status();
}

}  // namespace query

namespace {

using query::bad;
using query::once;
using query::whole_number;

// Adds `value` to `out` unless present; more than kMaxQuerySelectors is an error.
Status add_distinct(std::vector<std::string>& out, const std::string& name, std::string value,
                    const std::string& raw) {
  if (std::find(out.begin(), out.end(), value) != out.end()) return ok_status();
  if (out.size() == kMaxQuerySelectors)
    return bad(name, raw, "more than " + std::to_string(kMaxQuerySelectors) + " values",
               "ask for fewer, or for a common parent cgroup");
  out.push_back(std::move(value));
  return ok_status();
}

Status parse_selectors(const std::multimap<std::string, std::string>& params, ProfileQuery& q) {
  const auto [cg_first, cg_last] = params.equal_range("cgroup");
  for (auto it = cg_first; it != cg_last; ++it) {
    auto path = cgroup::normalize_cgroup_path(it->second);
    if (!path) return bad("cgroup", it->second, path.error().why, path.error().hint);
    if (Status s = add_distinct(q.cgroups, "cgroup", std::move(path).value(), it->second); !s)
      return s;
  }
  const auto [c_first, c_last] = params.equal_range("container");
  for (auto it = c_first; it != c_last; ++it) {
    std::string id = it->second;
    std::transform(id.begin(), id.end(), id.begin(),
                   [](char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c + 32) : c; });
    const bool hex = !id.empty() && id.size() <= 64 &&
                     std::all_of(id.begin(), id.end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!hex)
      return bad("container", it->second, "not a container id",
                 "use the id or a prefix of it: 1 to 64 hex digits");
    if (Status s = add_distinct(q.containers, "container", std::move(id), it->second); !s)
      return s;
  }
  return ok_status();
}

// debug=: 0, 1 or 2 as Go takes it, at most once.
Status parse_debug(const std::multimap<std::string, std::string>& params, ProfileQuery& q) {
  if (auto s = once(params, "debug"); !s) return s;
  const auto it = params.find("debug");
  if (it == params.end()) return ok_status();
  std::uint64_t n = 0;
  if (!whole_number(it->second, 2, n))
    return bad("debug", it->second, "not 0, 1 or 2", "use debug=1 for text");
  q.debug_text = n != 0;
  return ok_status();
}

}  // namespace

Result<ProfileQuery> parse_profile_query(const std::multimap<std::string, std::string>& params) {
  ProfileQuery q;
  const std::string seconds_range = "1 to " + std::to_string(kMaxProfileSeconds.count());

  if (auto s = once(params, "seconds"); !s) return s.error();
  if (auto it = params.find("seconds"); it != params.end()) {
    std::uint64_t n = 0;
    const bool number = !it->second.empty() &&
                        std::all_of(it->second.begin(), it->second.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    if (!number) {
      return bad("seconds", it->second, "not a whole number of seconds",
                 "use " + seconds_range + ", e.g. seconds=30");
    }
    if (!whole_number(it->second, static_cast<std::uint64_t>(kMaxProfileSeconds.count()), n)) {
      return bad("seconds", it->second,
                 "above the maximum of " + std::to_string(kMaxProfileSeconds.count()),
                 "use " + seconds_range);
    }
    if (n == 0) return bad("seconds", it->second, "must be at least 1", "use " + seconds_range);
    q.duration = std::chrono::seconds(n);
  }

  const auto [first, last] = params.equal_range("pid");
  for (auto it = first; it != last; ++it) {
    std::uint64_t n = 0;
    if (!whole_number(it->second, kMaxQueryPid, n) || n == 0) {
      return bad("pid", it->second, "not a process id",
                 "use a whole number from 1 to " + std::to_string(kMaxQueryPid));
    }
    const auto pid = static_cast<std::uint32_t>(n);
    if (std::find(q.pids.begin(), q.pids.end(), pid) != q.pids.end()) continue;
    if (q.pids.size() == kMaxQueryPids) {
      return bad("pid", it->second, "more than " + std::to_string(kMaxQueryPids) + " processes",
                 "ask for fewer processes, or leave pid= out for all of them");
    }
    q.pids.push_back(pid);
  }

  if (Status s = parse_selectors(params, q); !s) return s.error();

  if (Status s = query::parse_format(params, q.format); !s) return s.error();
  if (Status s = parse_debug(params, q); !s) return s.error();
  return q;
}

}  // namespace profbufd::http
