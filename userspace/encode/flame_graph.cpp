#include "encode/flame_graph.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "encode/json_text.h"
#include "encode/json_writer.h"
#include "encode/time_format.h"
#include "model/label_filter.h"

namespace profbufd {
namespace {

using json_text::append_number;
using json_text::append_string;

constexpr std::string_view kKindNames[] = {"kernel", "user", "synthetic", "python", "process"};
constexpr std::uint8_t kProcess = 4;

std::uint8_t kind_code(FrameKind k) { return static_cast<std::uint8_t>(k); }

// The call tree: node 0 is the root; a child is found by (parent, name).
class CallTree {
 public:
  CallTree() { nodes_.push_back(Node{intern("all"), kProcess, 0, {}}); }

  std::uint32_t child(std::uint32_t parent, std::string_view name, std::uint8_t kind) {
    const std::uint32_t id = intern(name);
    const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32) | id;
    if (auto it = index_.find(key); it != index_.end()) return it->second;
    const auto n = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(Node{id, kind, 0, {}});
    nodes_[parent].children.push_back(n);
    index_.emplace(key, n);
    return n;
  }
  void add(std::uint32_t node, std::int64_t v) { nodes_[node].value += v; }

  // Writes node `n` and, for the children worth a pixel, its subtree.
  void write(std::string& out, std::uint32_t n, std::int64_t total, std::uint64_t& pruned) {
    Node& node = nodes_[n];
    out += "{\"name\":";
    append_string(out, names_[node.name]);
    out += ",\"kind\":\"";
    out += kKindNames[node.kind];
    out += "\",\"value\":";
    append_number(out, node.value);
    std::sort(node.children.begin(), node.children.end(), [this](std::uint32_t a, std::uint32_t b) {
      return names_[nodes_[a].name] < names_[nodes_[b].name];
    });
    bool first = true;
    for (std::uint32_t c : node.children) {
      // In 128 bits: a node of 10 days of nanoseconds times the divisor
      // passes 2^63.
      if (static_cast<__int128>(nodes_[c].value) * kPruneDivisor < total) {
        pruned += subtree_size(c);
        continue;
      }
      out += first ? ",\"children\":[" : ",";
      first = false;
      write(out, c, total, pruned);
    }
    if (!first) out += "]";
    out += "}";
  }

 private:
  struct Node {
    std::uint32_t name;
    std::uint8_t kind;
    std::int64_t value;
    std::vector<std::uint32_t> children;
  };
  std::uint32_t intern(std::string_view name) {
    auto [it, added] = name_ids_.try_emplace(std::string(name), names_.size());
    if (added) names_.emplace_back(name);
    return it->second;
  }
  std::uint64_t subtree_size(std::uint32_t n) const {
    std::uint64_t size = 1;
    for (std::uint32_t c : nodes_[n].children) size += subtree_size(c);
    return size;
  }

  std::vector<Node> nodes_;
  std::unordered_map<std::uint64_t, std::uint32_t> index_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> name_ids_;
};

struct Reason {
  std::string name;
  std::int64_t value = 0;
};

void add_reason(std::vector<Reason>& reasons, std::string_view name, std::int64_t v) {
  for (Reason& r : reasons)
    if (r.name == name) {
      r.value += v;
      return;
    }
  reasons.push_back(Reason{std::string(name), v});
}

// Frames that say a stack could not be walked whole, as profile_builder names
// them.
bool is_incomplete_frame(const Location& l) {
  return l.kind == FrameKind::kSynthetic &&
         (l.function.find(" stack unavailable") != std::string::npos ||
          l.function.find(" stack empty") != std::string::npos ||
          l.function.starts_with("[truncated: "));
}

struct Figures {
  CallTree tree;
  std::vector<Reason> lost;        // by "[lost: reason]" frame
  std::vector<Reason> incomplete;  // by frame name
};

// One sample into the tree: process, then frames outermost first.
void add_sample(const Profile& p, const Sample& s, std::int64_t v, Figures& f) {
  f.tree.add(0, v);
  if (is_lost_sample(p, s)) {
    const std::string& name = p.locations[s.locations[0]].function;
    f.tree.add(f.tree.child(0, name, kind_code(FrameKind::kSynthetic)), v);
    add_reason(f.lost, name, v);
    return;
  }
  std::uint32_t node = f.tree.child(0, s.comm.empty() ? "[unknown]" : s.comm, kProcess);
  f.tree.add(node, v);
  for (auto it = s.locations.rbegin(); it != s.locations.rend(); ++it) {
    const Location& l = p.locations[*it];
    if (is_incomplete_frame(l)) add_reason(f.incomplete, l.function, v);
    node = f.tree.child(node, l.function, kind_code(l.kind));
    f.tree.add(node, v);
    for (std::size_t i = l.lines.size(); i-- > 1;) {  // inlined calls, outermost first
      node = f.tree.child(node, l.lines[i - 1].function, kind_code(l.kind));
      f.tree.add(node, v);
    }
  }
}

struct FunctionRow {
  std::string name, module;
  std::int64_t self = 0, total = 0;
  std::size_t last_sample = SIZE_MAX;  // counts a function once per sample
};

void write_top(std::string& out, const Profile& p, std::size_t vi, std::size_t top) {
  std::unordered_map<std::string, FunctionRow> rows;
  for (std::size_t si = 0; si < p.samples.size(); ++si) {
    const Sample& s = p.samples[si];
    for (std::size_t k = 0; k < s.locations.size(); ++k) {
      const Location& l = p.locations[s.locations[k]];
      // Inlined calls count as functions too; the innermost one holds self.
      const std::size_t names = std::max<std::size_t>(l.lines.size(), 1);
      for (std::size_t j = 0; j < names; ++j) {
        const std::string& name = j + 1 < l.lines.size() ? l.lines[j].function : l.function;
        FunctionRow& r = rows[name + '\0' + l.module];
        if (r.name.empty()) r.name = name, r.module = l.module;
        if (k == 0 && j == 0) r.self += s.values[vi];
        if (r.last_sample != si) r.total += s.values[vi], r.last_sample = si;
      }
    }
  }
  std::vector<const FunctionRow*> sorted;
  for (const auto& [key, r] : rows) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), [](const FunctionRow* a, const FunctionRow* b) {
    return a->self != b->self ? a->self > b->self
                              : (a->total != b->total ? a->total > b->total : a->name < b->name);
  });
  if (sorted.size() > top) sorted.resize(top);
  out += ",\"top\":[";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    out += i ? ",{\"name\":" : "{\"name\":";
    append_string(out, sorted[i]->name);
    out += ",\"module\":";
    append_string(out, sorted[i]->module);
    out += ",\"self\":";
    append_number(out, sorted[i]->self);
    out += ",\"total\":";
    append_number(out, sorted[i]->total);
    out += "}";
  }
  out += "]";
}

// The values of each label key, by total, for the filter inputs.
void write_labels(std::string& out, const Profile& all, std::size_t vi) {
  out += ",\"labels\":{";
  bool first_key = true;
  for (const std::string& key : label_keys(all)) {
    if (key == "tid") continue;  // a thread list is noise in a filter
    std::unordered_map<std::string, std::int64_t> totals;
    for (const Sample& s : all.samples) {
      if (is_lost_sample(all, s)) continue;
      if (auto v = sample_label(s, key)) totals[*v] += s.values[vi];
    }
    std::vector<std::pair<std::string, std::int64_t>> sorted(totals.begin(), totals.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (sorted.size() > kMaxLabelValues) sorted.resize(kMaxLabelValues);
    out += first_key ? "" : ",";
    first_key = false;
    append_string(out, key);
    out += ":[";
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      out += i ? ",{\"value\":" : "{\"value\":";
      append_string(out, sorted[i].first);
      out += ",\"total\":";
      append_number(out, sorted[i].second);
      out += "}";
    }
    out += "]";
  }
  out += "}";
}

void write_header(std::string& out, const Profile& p, const FlameGraphRequest& r) {
  out += "{\"id\":";
  append_number(out, r.id);
  out += ",\"kind\":";
  append_string(out, p.metadata.kind);
  out += ",\"host\":";
  append_string(out, p.metadata.host);
  out += ",\"start\":";
  append_string(out, format_rfc3339_utc(p.metadata.start_unix_ns));
  out += ",\"start_unix_ns\":";
  append_number(out, p.metadata.start_unix_ns);
  out += ",\"duration_ns\":";
  append_number(out, p.metadata.duration_ns);
  out += ",\"sample_types\":";
  append_sample_types_json(out, p.sample_types);
  out += ",\"sample_type\":";
  append_number(out, static_cast<std::uint64_t>(r.value_index));
}

void write_reasons(std::string& out, std::string_view field, const std::vector<Reason>& rs,
                   const Profile* lost_events) {
  out += ",\"";
  out += field;
  out += "\":[";
  for (std::size_t i = 0; i < rs.size(); ++i) {
    out += i ? ",{\"reason\":" : "{\"reason\":";
    std::string_view name = rs[i].name;
    if (lost_events && name.starts_with("[lost: ")) name = name.substr(7, name.size() - 8);
    append_string(out, name);
    if (lost_events) {
      const auto& m = lost_events->metadata.lost_samples;
      const auto it = m.find(std::string(name));
      out += ",\"events\":";
      append_number(out, it == m.end() ? std::uint64_t{0} : it->second);
    }
    out += ",\"value\":";
    append_number(out, rs[i].value);
    out += "}";
  }
  out += "]";
}

}  // namespace

std::string flame_graph_json(const Profile& shown, const Profile& all,
                             const FlameGraphRequest& r) {
  const std::size_t vi = r.value_index;
  Figures f;
  for (const Sample& s : shown.samples) add_sample(shown, s, s.values[vi], f);
  const std::int64_t total = shown.total(vi);

  std::string out;
  write_header(out, shown, r);
  out += ",\"total\":";
  append_number(out, total);
  write_reasons(out, "lost", f.lost, &shown);
  write_reasons(out, "incomplete", f.incomplete, nullptr);
  out += ",\"root\":";
  std::uint64_t pruned = 0;
  f.tree.write(out, 0, total, pruned);
  out += ",\"pruned\":";
  append_number(out, pruned);
  write_top(out, shown, vi, r.top);
  write_labels(out, all, vi);
  out += "}";
  return out;
}

}  // namespace profbufd
