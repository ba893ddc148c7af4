#include "encode/folded.h"

#include <map>
#include <stdexcept>
#include <vector>

namespace profbufd {

std::string sanitize_folded_name(std::string_view name) {
  if (name.empty()) return "[unknown]";
  std::string out(name);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ';')
      c = ':';
    else if (u < 0x20 || u == 0x7f)
      c = '?';
  }
  return out;
}

namespace {

// The root frame --folded-root asks for: the sample's label `key` (any of
// them, string or number), or "[no <key>]" so that such samples still group.
std::string root_frame(const Sample& s, const std::string& key) {
  if (key == "comm") return s.comm;
  if (key == "pid") return std::to_string(s.pid);
  for (const Label& l : s.labels)
    if (l.key == key) return l.numeric ? std::to_string(l.num) : l.str;
  return "[no " + key + "]";
}

}  // namespace

std::string render_folded(const Profile& profile, std::size_t value_index) {
  if (value_index >= profile.sample_types.size() && !profile.sample_types.empty())
    throw std::out_of_range("render_folded: no sample type " + std::to_string(value_index));
  // Frame text per Location, computed once: stacks share most frames.
  std::vector<std::string> names;
  names.reserve(profile.locations.size());
  for (const Location& loc : profile.locations) {
    // Inlined calls are frames of their own, outermost first like the stack.
    std::string n = sanitize_folded_name(loc.function);
    for (std::size_t i = loc.lines.size(); i-- > 1;) {
      n += ';';
      n += sanitize_folded_name(loc.lines[i - 1].function);
    }
    if (loc.kind == FrameKind::kKernel) n += "_[k]";
    if (loc.kind == FrameKind::kPython && !loc.lines.empty())  // "fn (file.py:12)", as py-spy
      n += sanitize_folded_name(" (" + loc.lines[0].file + ":" +
                                std::to_string(loc.lines[0].line) + ")");
    names.push_back(std::move(n));
  }

  // Keyed by the stack text itself: merging and bytewise sorting in one step.
  std::map<std::string, std::int64_t> lines;
  std::string key;
  const std::string& root = profile.metadata.folded_root;
  for (const Sample& s : profile.samples) {
    const std::int64_t value = s.values[value_index];
    if (value == 0) continue;
    key.clear();
    if (!root.empty()) {
      key = sanitize_folded_name(root_frame(s, root));
      key.push_back(';');
    }
    key += sanitize_folded_name(s.comm);
    for (auto it = s.locations.rbegin(); it != s.locations.rend(); ++it) {
      key.push_back(';');
      key += names.at(*it);
    }
    lines[key] += value;
  }

  std::string out;
  for (const auto& [stack, count] : lines) {
    out += stack;
    out.push_back(' ');
    out += std::to_string(count);
    out.push_back('\n');
  }
  return out;
}

}  // namespace profbufd
