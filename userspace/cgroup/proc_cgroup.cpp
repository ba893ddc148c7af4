#include "cgroup/proc_cgroup.h"

#include <charconv>

#include "common/file_text.h"

namespace profbufd::cgroup {

Result<std::vector<ProcCgroupLine>> parse_proc_cgroup(std::string_view text) {
  std::vector<ProcCgroupLine> out;
  unsigned number = 0;
  while (!text.empty()) {
    const std::string_view line = next_line(text);
    ++number;
    if (line.empty()) continue;
    const std::size_t c1 = line.find(':');
    const std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    const auto malformed = [number] {
      return make_error(ExitCode::kRuntime, "cgroup file line " + std::to_string(number),
                        "not \"<hierarchy>:<controllers>:/<path>\"");
    };
    // Both colons first: without them there is no number to read (c1 would be
    // npos, and the number's end far past the text).
    if (c2 == std::string_view::npos) return malformed();
    ProcCgroupLine l;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + c1, l.hierarchy);
    if (ec != std::errc() || end != line.data() + c1 || line.size() == c2 + 1 ||
        line[c2 + 1] != '/')
      return malformed();
    l.controllers = std::string(line.substr(c1 + 1, c2 - c1 - 1));
    l.path = std::string(line.substr(c2 + 1));
    out.push_back(std::move(l));
  }
  return out;
}

std::string identity_path(const std::vector<ProcCgroupLine>& lines, bool v2_mounted) {
  std::string v2, systemd, v1;
  for (const ProcCgroupLine& l : lines) {
    if (l.hierarchy == 0 && l.controllers.empty()) {
      v2 = l.path;
    } else if (l.controllers == "name=systemd") {
      systemd = l.path;
    } else if (v1.empty() && l.path != "/") {
      v1 = l.path;
    }
  }
  if (v2_mounted && !v2.empty()) return v2;
  if (!systemd.empty() && (systemd != "/" || v1.empty())) return systemd;
  if (!v1.empty()) return v1;
  return systemd.empty() ? v2 : systemd;
}

}  // namespace profbufd::cgroup
