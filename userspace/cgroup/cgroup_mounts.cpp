#include "cgroup/cgroup_mounts.h"

#include <cstring>
#include <vector>

#include "common/file_text.h"

namespace profbufd::cgroup {
namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// "\040" -> ' ': the kernel's octal escapes in mount points.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto octal = [&](std::size_t j, char max) { return s[j] >= '0' && s[j] <= max; };
    if (s[i] == '\\' && s.size() - i >= 4 && octal(i + 1, '3') && octal(i + 2, '7') &&
        octal(i + 3, '7')) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                      (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Result<CgroupMounts> parse_cgroup_mounts(std::string_view text) {
  CgroupMounts m;
  unsigned number = 0;
  while (!text.empty()) {
    const std::string_view line = next_line(text);
    ++number;
    if (line.empty()) continue;
    const std::vector<std::string_view> f = fields(line);
    std::size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 7 || dash + 1 >= f.size())
      return make_error(ExitCode::kRuntime, "mountinfo line " + std::to_string(number),
                        "fewer fields than a mount has");
    const std::string_view type = f[dash + 1];
    if (type == "cgroup2" && m.v2.empty() && f[3] == "/") m.v2 = unescape(f[4]);
    if (type == "cgroup") m.v1.push_back(unescape(f[4]));
  }
  return m;
}

Result<CgroupMounts> read_cgroup_mounts(const std::string& path) {
  const FileText f = read_file_text(path);
  if (f.err != 0)
    return make_error(ExitCode::kRuntime, "reading " + path, std::strerror(f.err));
  return parse_cgroup_mounts(f.text);
}

}  // namespace profbufd::cgroup
