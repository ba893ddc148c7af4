#include "model/label_filter.h"

#include <algorithm>

namespace profbufd {

std::optional<std::string> sample_label(const Sample& s, std::string_view key) {
  if (key == "pid") return std::to_string(s.pid);
  if (key == "tid") return std::to_string(s.tid);
  if (key == "comm") return s.comm;
  for (const Label& l : s.labels)
    if (l.key == key) return l.numeric ? std::to_string(l.num) : l.str;
  return std::nullopt;
}

bool LabelFilter::matches(const Sample& s) const {
  for (const auto& [key, values] : accept) {
    const auto v = sample_label(s, key);
    if (!v || std::find(values.begin(), values.end(), *v) == values.end()) return false;
  }
  return true;
}

std::vector<std::string> label_keys(const Profile& p) {
  std::vector<std::string> keys{"pid", "tid", "comm"};
  for (const Sample& s : p.samples)
    for (const Label& l : s.labels)
      if (std::find(keys.begin(), keys.end(), l.key) == keys.end()) keys.push_back(l.key);
  return keys;
}

bool is_lost_sample(const Profile& p, const Sample& s) {
  if (s.locations.size() != 1 || s.locations[0] >= p.locations.size()) return false;
  const Location& l = p.locations[s.locations[0]];
  return l.kind == FrameKind::kSynthetic && l.function.starts_with("[lost: ");
}

Profile filter_profile(const Profile& p, const LabelFilter& filter) {
  if (filter.empty()) return p;
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i < p.samples.size(); ++i)
    if (filter.matches(p.samples[i]) || is_lost_sample(p, p.samples[i])) keep.push_back(i);
  return select_samples(p, keep);
}

Profile select_samples(const Profile& p, const std::vector<std::size_t>& indices) {
  Profile out;
  out.metadata = p.metadata;
  out.sample_types = p.sample_types;
  out.default_sample_type = p.default_sample_type;
  out.period_type = p.period_type;
  out.period = p.period;
  constexpr std::uint32_t kUnused = UINT32_MAX;
  std::vector<std::uint32_t> loc_map(p.locations.size(), kUnused);
  std::vector<std::uint32_t> map_map(p.mappings.size(), kUnused);
  for (std::size_t i : indices)
    for (std::uint32_t l : p.samples[i].locations) loc_map[l] = 0;
  for (std::size_t l = 0; l < p.locations.size(); ++l) {
    if (loc_map[l] == kUnused) continue;
    loc_map[l] = static_cast<std::uint32_t>(out.locations.size());
    Location loc = p.locations[l];
    if (loc.mapping != kNoMapping) {
      if (map_map[loc.mapping] == kUnused) {
        map_map[loc.mapping] = static_cast<std::uint32_t>(out.mappings.size());
        out.mappings.push_back(p.mappings[loc.mapping]);
      }
      loc.mapping = map_map[loc.mapping];
    }
    out.locations.push_back(std::move(loc));
  }
  out.samples.reserve(indices.size());
  for (std::size_t i : indices) {
    Sample s = p.samples[i];
    for (std::uint32_t& l : s.locations) l = loc_map[l];
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace profbufd
