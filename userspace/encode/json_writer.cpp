#include "encode/json_writer.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <nlohmann/json.hpp>
#include <vector>

#include "encode/time_format.h"

namespace profbufd {
namespace {

// ordered_json keeps keys in insertion order, so documents read in the order
// of the schema comment ("schema" first) and stay byte-for-byte deterministic.
using json = nlohmann::ordered_json;

std::string hex(std::uint64_t v) {
  char buf[2 + 16 + 1];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

const char* kind_name(FrameKind k) {
  switch (k) {
    case FrameKind::kKernel: return "kernel";
    case FrameKind::kUser: return "user";
    case FrameKind::kSynthetic: return "synthetic";
  }
  return "user";
}

json metadata(const Profile& p) {
  const ProfileMetadata& md = p.metadata;
  json lost = json::object();
  for (const auto& [reason, n] : md.lost_samples) lost[reason] = n;
  return json{
      {"version", md.version},
      {"host", md.host},
      {"kernel", md.kernel},
      {"start", format_rfc3339_utc(md.start_unix_ns)},
      {"start_unix_ns", md.start_unix_ns},
      {"duration_ns", md.duration_ns},
      {"frequency_hz", md.frequency_hz},
      {"period_ns", p.period_ns()},
      {"cpus", md.cpus},
      {"total_samples", md.total_samples},
      {"idle_accounted_samples", md.idle_accounted_samples},
      {"lost_samples", std::move(lost)},
  };
}

json frame(const Location& loc) {
  return json{
      {"function", loc.function},
      {"module", loc.module},
      {"offset", hex(loc.offset)},
      {"address", hex(loc.address)},
      {"kind", kind_name(loc.kind)},
      {"resolved", loc.resolved},
  };
}

json stacks(const Profile& p) {
  // Frames are rendered once per Location, not once per use.
  std::vector<json> frames;
  frames.reserve(p.locations.size());
  for (const Location& loc : p.locations) frames.push_back(frame(loc));

  std::vector<std::size_t> order(p.samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return p.samples[a].count > p.samples[b].count;
  });

  json out = json::array();
  for (std::size_t i : order) {
    const Sample& s = p.samples[i];
    json fs = json::array();
    for (std::uint32_t loc : s.locations) fs.push_back(frames.at(loc));
    out.push_back(json{{"count", s.count},
                       {"pid", s.pid},
                       {"tid", s.tid},
                       {"comm", s.comm},
                       {"frames", std::move(fs)}});
  }
  return out;
}

}  // namespace

std::string render_json(const Profile& profile, int indent) {
  const json doc{
      {"schema", "profbufd/profile"},
      {"schema_version", kJsonSchemaVersion},
      {"metadata", metadata(profile)},
      {"stacks", stacks(profile)},
  };
  std::string out = doc.dump(indent, ' ', /*ensure_ascii=*/false,
                             json::error_handler_t::replace);
  out.push_back('\n');
  return out;
}

}  // namespace profbufd
