// The queries of the page's JSON endpoints (/api/...):
//   id=N            a stored profile (default: the newest of `kind`)
//   kind=K          cpu, ... (default: the first kind captured)
//   type=T          the sample type shown (default: the profile's default)
//   label.KEY=V     keep samples whose label KEY is V; repeat a key for
//                   alternatives, use several keys to narrow (model/label_filter.h)
//   top=N           rows of the top-functions table, 1..kMaxTop (default 100)
//   format=F        /api/profile: pprof (default), json, folded
//   seconds=N       /api/collect: 1..kMaxProfileSeconds (default 10)
// Every value is checked here; a bad one is a 400 with the reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/error.h"
#include "encode/format.h"
#include "model/label_filter.h"

namespace profbufd::http {

inline constexpr std::size_t kMaxTop = 1000;
inline constexpr std::size_t kDefaultTop = 100;
inline constexpr std::chrono::seconds kDefaultCollectSeconds{10};
// label.* parameters per request, and the longest key and value accepted (a
// value as long as a path: label.cgroup is one, and Kubernetes' nest deep).
inline constexpr std::size_t kMaxLabelParams = 64;
inline constexpr std::size_t kMaxLabelKeyBytes = 64;
inline constexpr std::size_t kMaxLabelValueBytes = 4096;

struct PageQuery {
  std::optional<std::uint64_t> id;
  std::string kind;  // empty: the first kind
  std::string type;  // empty: the profile's default sample type
  LabelFilter filter;
  std::size_t top = kDefaultTop;
  OutputFormat format = OutputFormat::kPprof;
  std::chrono::seconds seconds = kDefaultCollectSeconds;
};

// Errors are ExitCode::kUsage; Error::line() is the one-line reason for the 400.
Result<PageQuery> parse_page_query(const std::multimap<std::string, std::string>& params);

}  // namespace profbufd::http
