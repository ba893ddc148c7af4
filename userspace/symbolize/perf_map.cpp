#include "symbolize/perf_map.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <queue>
#include <utility>

#include "common/file_text.h"

namespace profbufd::symbolize {

struct PerfMap::Line {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint32_t seq = 0;  // file order: a later line wins an overlap
  std::uint32_t name_at = 0;
  std::uint32_t name_len = 0;
};

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// A hex field (optionally "0x"-prefixed) ended by a blank; advances past the blanks.
bool hex_field(std::string_view& s, std::uint64_t& out) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  if (ec != std::errc() || end == s.data() + s.size() || !is_blank(*end)) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return true;
}

// "START SIZE name": the range and the name, or false if the line is malformed
// (a field that is not hex, no name, an empty range or one past 2^64).
bool parse_line(std::string_view line, std::uint64_t& start, std::uint64_t& end,
                std::string_view& name) {
  std::uint64_t size = 0;
  if (!hex_field(line, start) || !hex_field(line, size) || line.empty()) return false;
  if (size == 0 || start + size < start) return false;
  end = start + size;
  name = line;
  return true;
}

std::size_t count_lines(std::string_view text) {
  std::size_t n = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  return n + (!text.empty() && text.back() != '\n');
}

}  // namespace

PerfMap PerfMap::parse(std::string_view text, const PerfMapLimits& limits) {
  PerfMap map;
  // Oldest lines first out: skip what max_entries leaves no room for.
  const std::size_t total = count_lines(text);
  std::size_t skip = total > limits.max_entries ? total - limits.max_entries : 0;
  map.counts_.dropped = skip;
  std::vector<Line> lines;
  lines.reserve(std::min(total, limits.max_entries));
  while (!text.empty()) {
    const std::string_view line = next_line(text);
    if (skip > 0) {
      --skip;
      continue;
    }
    Line l;
    std::string_view name;
    if (line.empty()) continue;  // a blank line says nothing, and is no damage
    if (!parse_line(line, l.start, l.end, name)) {
      ++map.counts_.malformed;
      continue;
    }
    if (map.names_.size() + name.size() > UINT32_MAX) {  // offsets are 32-bit
      ++map.counts_.dropped;
      continue;
    }
    if (name.size() > limits.max_name_bytes) {
      name = name.substr(0, limits.max_name_bytes);
      ++map.counts_.names_truncated;
    }
    l.seq = static_cast<std::uint32_t>(lines.size());
    l.name_at = static_cast<std::uint32_t>(map.names_.size());
    l.name_len = static_cast<std::uint32_t>(name.size());
    map.names_.append(name);
    lines.push_back(l);
  }
  map.counts_.lines = lines.size();
  map.entries_ = disjoint(std::move(lines));
  map.names_.shrink_to_fit();
  return map;
}

// Paints the ranges in file order, a later one over an earlier: a sweep over
// every range boundary with the live ranges in a heap by line number (stale
// ones popped when they surface). O(n log n) whatever the overlaps; the common
// case, no overlap at all, takes the first return.
std::vector<PerfMap::Entry> PerfMap::disjoint(std::vector<Line> lines) {
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return a.start < b.start; });
  const auto to_entry = [](const Line& l) { return Entry{l.start, l.end, l.name_at, l.name_len}; };
  std::vector<Entry> out;
  bool overlap = false;
  for (std::size_t i = 1; i < lines.size() && !overlap; ++i)
    overlap = lines[i].start < lines[i - 1].end;
  if (!overlap) {
    out.reserve(lines.size());
    for (const Line& l : lines) out.push_back(to_entry(l));
    return out;
  }
  std::vector<std::uint64_t> points;
  points.reserve(2 * lines.size());
  for (const Line& l : lines) points.insert(points.end(), {l.start, l.end});
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::priority_queue<std::pair<std::uint32_t, std::size_t>> live;  // (seq, index)
  std::size_t next = 0, last_winner = SIZE_MAX;
  for (std::size_t p = 0; p + 1 < points.size(); ++p) {
    const std::uint64_t at = points[p], to = points[p + 1];
    for (; next < lines.size() && lines[next].start == at; ++next) live.emplace(lines[next].seq, next);
    while (!live.empty() && lines[live.top().second].end <= at) live.pop();
    if (live.empty()) continue;
    const std::size_t w = live.top().second;
    if (w == last_winner && out.back().end == at) {
      out.back().end = to;
    } else {
      out.push_back(Entry{at, to, lines[w].name_at, lines[w].name_len});
      last_winner = w;
    }
  }
  out.shrink_to_fit();
  return out;
}

Result<PerfMap> PerfMap::read_fd(int fd, std::uint64_t size, const PerfMapLimits& limits) {
  const std::uint64_t from = size > limits.max_read_bytes ? size - limits.max_read_bytes : 0;
  std::string buf(static_cast<std::size_t>(size - from), '\0');
  std::size_t have = 0;
  while (have < buf.size()) {
    const ssize_t n = ::pread(fd, buf.data() + have, buf.size() - have,
                              static_cast<off_t>(from + have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(ExitCode::kRuntime, "perf map", std::strerror(errno));
    if (n == 0) break;  // truncated meanwhile
    have += static_cast<std::size_t>(n);
  }
  std::string_view text(buf.data(), have);
  std::uint64_t skipped = from;
  if (from > 0) {  // the tail starts mid-line: that line is not whole
    const std::size_t nl = text.find('\n');
    const std::size_t cut = nl == std::string_view::npos ? text.size() : nl + 1;
    text.remove_prefix(cut);
    skipped += cut;
  }
  if (const std::size_t nl = text.rfind('\n'); nl != text.size() - 1)
    text = text.substr(0, nl == std::string_view::npos ? 0 : nl + 1);
  PerfMap map = parse(text, limits);
  map.counts_.skipped_bytes = skipped;
  return map;
}

std::optional<PerfMapSymbol> PerfMap::find(std::uint64_t addr) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), addr,
                             [](std::uint64_t a, const Entry& e) { return a < e.start; });
  if (it == entries_.begin()) return std::nullopt;
  --it;
  if (addr >= it->end) return std::nullopt;
  return PerfMapSymbol{std::string_view(names_).substr(it->name_at, it->name_len), it->start,
                       it->end};
}

std::size_t PerfMap::memory_bytes() const {
  return sizeof(PerfMap) + entries_.capacity() * sizeof(Entry) + names_.capacity();
}

}  // namespace profbufd::symbolize
