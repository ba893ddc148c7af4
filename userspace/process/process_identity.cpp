#include "process/process_identity.h"

#include <charconv>

#include "common/file_text.h"

namespace profbufd {

namespace {

// "\t7\t3\t1" -> {7, 3, 1}; empty when a field is not a number.
std::vector<std::uint32_t> parse_pids(std::string_view line) {
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

}  // namespace

std::vector<std::uint32_t> parse_nspid(std::string_view text) {
  constexpr std::string_view kKey = "NSpid:";
  while (!text.empty())
    if (const std::string_view line = next_line(text); line.starts_with(kKey))
      return parse_pids(line.substr(kKey.size()));
  return {};
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
