// The page's view of one profile (GET /api/flamegraph): a call tree in the
// shape d3-flame-graph draws, the top functions, the totals and what was
// lost, and the label values the filters offer. JSON, built on the server so
// that the browser never receives more than it draws.
//
// {"id", "kind", "host", "start": RFC 3339, "start_unix_ns", "duration_ns",
//  "sample_types": [{"type", "unit"}], "sample_type": index shown,
//  "total": value of every sample shown (lost included),
//  "lost": [{"reason", "events", "value"}],            as the files have them
//  "incomplete": [{"reason", "value"}],                stacks that could not be walked
//                                                      whole, by the frame the profile
//                                                      gives them: "[... stack unavailable: E]",
//                                                      "[truncated: <reason>]"
//  "root": {"name": "all", "value", "children": [     value = inclusive
//            {"name": comm, "kind": "process", ...},  the process level, as folded has it
//            {"name": "[lost: reason]", "kind": "synthetic"}, lost samples at the top
//            ... frames outermost first, "kind": kernel | user | synthetic}]},
//  "pruned": nodes left out for being below 1/kPruneDivisor of the total,
//  "top": [{"name", "module", "self", "total"}],      by self value, at most `top`
//  "labels": {"comm": [{"value", "total"}], "pid": [...], other keys}}
//                                                      of the unfiltered profile, by total
//
// Every name is a JSON string (invalid UTF-8 bytes become U+FFFD): the page
// puts it into the DOM as text, never as markup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/profile.h"

namespace profbufd {

inline constexpr std::int64_t kPruneDivisor = 10'000;
// Label values listed per key (the most valuable first).
inline constexpr std::size_t kMaxLabelValues = 200;

struct FlameGraphRequest {
  std::uint64_t id = 0;
  std::size_t value_index = 0;  // which sample type; < sample_types.size()
  std::size_t top = 100;        // rows of the top-functions table
};

// `shown` is the (filtered) profile drawn; `all` the unfiltered one it came
// from, whose label values the filters list.
std::string flame_graph_json(const Profile& shown, const Profile& all,
                             const FlameGraphRequest& request);

}  // namespace profbufd
