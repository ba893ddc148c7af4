#include "process/proc_maps.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/file_text.h"

namespace profbufd {
namespace {

constexpr std::string_view kDeletedSuffix = " (deleted)";

Error malformed(std::string_view line, std::string_view what) {
  return make_error(ExitCode::kRuntime, "parsing maps line \"" + std::string(line) + "\"",
                    std::string(what));
}

// Parses an unsigned number in `base` that must span all of `s`.
template <typename T>
bool parse_number(std::string_view s, int base, T& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits off the next space-delimited field of `rest`, skipping leading spaces.
std::string_view next_field(std::string_view& rest) {
  const auto begin = rest.find_first_not_of(' ');
  if (begin == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(begin);
  const auto end = rest.find(' ');
  const std::string_view field = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return field;
}

}  // namespace

Result<MapEntry> parse_map_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  MapEntry e;

  const std::string_view range = next_field(rest);
  const auto dash = range.find('-');
  if (dash == std::string_view::npos || !parse_number(range.substr(0, dash), 16, e.start) ||
      !parse_number(range.substr(dash + 1), 16, e.end) || e.end < e.start) {
    return malformed(line, "bad address range");
  }

  const std::string_view perms = next_field(rest);
  if (perms.size() != 4) return malformed(line, "bad permissions");
  e.read = perms[0] == 'r';
  e.write = perms[1] == 'w';
  e.exec = perms[2] == 'x';
  e.shared = perms[3] == 's';

  if (!parse_number(next_field(rest), 16, e.offset)) return malformed(line, "bad offset");

  const std::string_view dev = next_field(rest);
  const auto colon = dev.find(':');
  if (colon == std::string_view::npos || !parse_number(dev.substr(0, colon), 16, e.dev_major) ||
      !parse_number(dev.substr(colon + 1), 16, e.dev_minor)) {
    return malformed(line, "bad device");
  }

  if (!parse_number(next_field(rest), 10, e.inode)) return malformed(line, "bad inode");

  // The path is the rest after the padding; it may contain spaces itself.
  const auto path_begin = rest.find_first_not_of(' ');
  std::string_view path =
      path_begin == std::string_view::npos ? std::string_view{} : rest.substr(path_begin);
  if (path.ends_with(kDeletedSuffix)) {
    e.deleted = true;
    path.remove_suffix(kDeletedSuffix.size());
  }
  e.path = std::string(path);
  return e;
}

Result<std::vector<MapEntry>> parse_maps(std::string_view text) {
  std::vector<MapEntry> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (!line.empty()) {
      auto entry = parse_map_line(line);
      if (!entry) return entry.error();
      out.push_back(std::move(entry).value());
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

Result<ProcessMaps> ProcessMaps::parse(std::string_view text) {
  auto all = parse_maps(text);
  if (!all) return all.error();
  ProcessMaps maps;
  for (auto& e : *all) {
    if (e.exec && e.end > e.start) maps.entries_.push_back(std::move(e));
  }
  // The kernel lists mappings in address order already; sorting keeps find()
  // correct for hand-made text too.
  std::sort(maps.entries_.begin(), maps.entries_.end(),
            [](const MapEntry& a, const MapEntry& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < maps.entries_.size(); ++i) {
    if (maps.entries_[i].start < maps.entries_[i - 1].end) {
      return make_error(ExitCode::kRuntime, "parsing maps", "overlapping executable mappings");
    }
  }
  return maps;
}

Result<ProcessMaps> ProcessMaps::read(int pid, const std::string& procfs_root) {
  const std::string path = procfs_root + "/" + std::to_string(pid) + "/maps";
  const FileText f = read_file_text(path);
  // ENOENT at open, ESRCH at read: the process exited meanwhile.
  if (f.err == ENOENT || f.err == ESRCH)
    return make_error(ExitCode::kRuntime, "reading " + path, "no such process (it exited)");
  if (f.err != 0)
    return make_error(f.err == EACCES || f.err == EPERM ? ExitCode::kNoPrivilege
                                                        : ExitCode::kRuntime,
                      "reading " + path, std::strerror(f.err));
  return parse(f.text);
}

const MapEntry* ProcessMaps::find(std::uint64_t addr) const {
  const auto it = std::upper_bound(entries_.begin(), entries_.end(), addr,
                                   [](std::uint64_t a, const MapEntry& e) { return a < e.start; });
  if (it == entries_.begin()) return nullptr;
  const MapEntry& e = *std::prev(it);
  return e.contains(addr) ? &e : nullptr;
}

}  // namespace profbufd
