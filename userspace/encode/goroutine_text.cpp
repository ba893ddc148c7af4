#include "encode/goroutine_text.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

namespace profbufd {
namespace {

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string state_of(const Sample& s) {
  for (const Label& l : s.labels)
    if (l.key == "state" && !l.numeric) return l.str;
  return {};
}

std::string frame_line(const Location& loc) {
  std::string t = "#\t" + hex(loc.address) + "\t" + loc.function + "\t";
  if (!loc.lines.empty() && !loc.lines.front().file.empty())
    t += loc.lines.front().file + ":" + std::to_string(loc.lines.front().line);
  else
    t += loc.module;
  return t + "\n";
}

}  // namespace

std::string render_goroutine_text(const Profile& profile) {
  // (stack, state) -> threads; std::map keeps the order stable for ties.
  std::map<std::pair<std::vector<std::uint32_t>, std::string>, std::int64_t> groups;
  std::int64_t total = 0;
  for (const Sample& s : profile.samples) {
    groups[{s.locations, state_of(s)}] += s.values[0];
    total += s.values[0];
  }
  std::vector<std::pair<std::int64_t, const std::pair<std::vector<std::uint32_t>, std::string>*>>
      order;
  for (const auto& [key, n] : groups) order.emplace_back(n, &key);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string t = "goroutine profile: total " + std::to_string(total) + "\n";
  for (const auto& [n, key] : order) {
    t += std::to_string(n) + " @";
    for (std::uint32_t i : key->first) t += " " + hex(profile.locations.at(i).address);
    t += "\n";
    if (!key->second.empty()) t += "# labels: {\"state\":\"" + key->second + "\"}\n";
    for (std::uint32_t i : key->first) t += frame_line(profile.locations.at(i));
    t += "\n";
  }
  return t;
}

}  // namespace profbufd
