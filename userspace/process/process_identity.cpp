#include "process/process_identity.h"

#include <charconv>

#include "common/file_text.h"

namespace profbufd {

std::vector<std::uint32_t> parse_nspid(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size() && !text.substr(at).starts_with("NSpid:")) {
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) return {};
    at = nl + 1;
  }
  if (at >= text.size()) return {};
  std::string_view line = text.substr(at + 6);
  line = line.substr(0, line.find('\n'));
  std::vector<std::uint32_t> pids;
  while (!line.empty()) {
    const std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
    if (ec != std::errc() || (end != line.data() + line.size() && *end != ' ' && *end != '\t'))
      return {};
    pids.push_back(v);
    line.remove_prefix(static_cast<std::size_t>(end - line.data()));
  }
  return pids;
}

ProcessIdentity read_process_identity(std::uint32_t pid, const std::string& procfs_root) {
  ProcessIdentity id;
  const std::string dir = procfs_root + "/" + std::to_string(pid);
  if (const FileText status = read_file_text(dir + "/status"); status.err == 0) {
    const std::vector<std::uint32_t> ns = parse_nspid(status.text);
    if (ns.size() > 1) id.nspid = ns.back();
  }
  if (const FileText cg = read_file_text(dir + "/cgroup"); cg.err == 0) {
    if (auto lines = cgroup::parse_proc_cgroup(cg.text); lines.ok()) id.cgroups = *lines;
  }
  return id;
}

}  // namespace profbufd
