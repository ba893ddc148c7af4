#include "http/page_query.h"

#include <algorithm>
#include <string_view>

#include "http/profile_query.h"

namespace profbufd::http {
namespace {

using query::bad;
using query::once;
using query::whole_number;

// Names of kinds, sample types and label keys: short, and plain.
bool plain_name(std::string_view s, std::size_t max, bool dots) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [dots](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || (dots && c == '.');
  });
}

Status parse_number(const std::multimap<std::string, std::string>& params, const char* name,
                    std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  if (auto s = once(params, name); !s) return s;
  const auto it = params.find(name);
  if (it == params.end()) return ok_status();
  std::uint64_t v = 0;
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  if (!whole_number(it->second, max, v) || v < min)
    return bad(name, it->second, "not a whole number from " + range, "use " + range);
  out = v;
  return ok_status();
}

Status parse_labels(const std::multimap<std::string, std::string>& params, LabelFilter& f) {
  std::size_t n = 0;
  for (const auto& [name, value] : params) {
    if (!name.starts_with("label.")) continue;
    const std::string key = name.substr(6);
    if (!plain_name(key, kMaxLabelKeyBytes, true))
      return bad(name, value, "not a label name",
                 "use label.KEY=VALUE with KEY of letters, digits, '_' and '.', e.g. label.comm=");
    if (value.size() > kMaxLabelValueBytes)
      return bad(name, value, "value longer than " + std::to_string(kMaxLabelValueBytes) + " bytes",
                 "labels are short: a comm, a pid, a unit name, a cgroup path");
    if (++n > kMaxLabelParams)
      return bad(name, value, "more than " + std::to_string(kMaxLabelParams) + " label filters",
                 "filter on fewer values");
    auto& values = f.accept[key];
    if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
  }
  return ok_status();
}

Status parse_names(const std::multimap<std::string, std::string>& params, PageQuery& q) {
  for (const char* name : {"kind", "type", "format"})
    if (auto s = once(params, name); !s) return s;
  if (auto it = params.find("kind"); it != params.end()) {
    if (!plain_name(it->second, 32, false))
      return bad("kind", it->second, "not a profile kind", "GET /api/kinds lists them");
    q.kind = it->second;
  }
  if (auto it = params.find("type"); it != params.end()) {
    if (!plain_name(it->second, 32, false))
      return bad("type", it->second, "not a sample type", "e.g. type=cpu or type=samples");
    q.type = it->second;
  }
  return query::parse_format(params, q.format);
}

}  // namespace

Result<PageQuery> parse_page_query(const std::multimap<std::string, std::string>& params) {
  PageQuery q;
  std::uint64_t id = 0, top = q.top, seconds = static_cast<std::uint64_t>(q.seconds.count());
  if (auto s = parse_number(params, "id", 1, INT64_MAX, id); !s) return s.error();
  if (id != 0) q.id = id;
  if (auto s = parse_number(params, "top", 1, kMaxTop, top); !s) return s.error();
  q.top = static_cast<std::size_t>(top);
  const auto max_seconds = static_cast<std::uint64_t>(kMaxProfileSeconds.count());
  if (auto s = parse_number(params, "seconds", 1, max_seconds, seconds); !s) return s.error();
  q.seconds = std::chrono::seconds(seconds);
  if (auto s = parse_names(params, q); !s) return s.error();
  if (auto s = parse_labels(params, q.filter); !s) return s.error();
  return q;
}

}  // namespace profbufd::http
