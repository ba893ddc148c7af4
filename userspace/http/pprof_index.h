// The page GET /debug/pprof/ returns, as Go's net/http/pprof index does: one
// line per profile this server has at Go's paths, with a link, what it
// measures, and, for a kind this daemon does not run, why (its requests
// answer 501).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace profbufd::http {

struct PprofProfile {
  std::string_view name;         // Go's profile name: the last part of its path
  std::string_view kind;         // ProfileSource's kind ("" for cpu)
  std::string_view description;  // one sentence, HTML-safe
};

// Go's names, in Go's (alphabetical) order.
std::span<const PprofProfile> pprof_profiles();

// The index; `why_off(kind)` says why a kind is off, or nullopt when it runs.
std::string pprof_index(
    const std::function<std::optional<std::string>(std::string_view kind)>& why_off);

}  // namespace profbufd::http
