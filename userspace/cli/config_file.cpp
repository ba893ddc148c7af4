#include "cli/config_file.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "cli/options.h"
#include "common/file_text.h"

namespace profbufd::cli {
namespace {

std::string_view trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

Error at_line(std::string_view name, unsigned line, std::string what, std::string why,
              std::string hint) {
  return make_error(ExitCode::kUsage,
                    std::string(name) + ":" + std::to_string(line) + ": " + std::move(what),
                    std::move(why), std::move(hint));
}

// Checks one value as its flag would be checked, by parsing the flag.
Result<Options> as_flag(std::string_view key, std::string_view value) {
  const std::string flag = "--" + std::string(key);
  const std::array<std::string_view, 2> args = {flag, value};
  return parse_options(args);
}

// One "key = value" line into `out`.
Status apply_line(ConfigFile& out, std::string_view name, unsigned number, std::string_view key,
                  std::string_view value) {
  const std::string shown = std::string(key) + " " + std::string(value);
  if (key != "frequency" && key != "pid" && key != "cgroup")
    return at_line(name, number, std::string(key), "unknown setting",
                   "the file holds frequency, pid and cgroup lines");
  if (value.empty() || value.starts_with("--"))
    return at_line(name, number, std::string(key), "needs a value",
                   "write e.g. " + std::string(key) + " = " +
                       (key == "frequency" ? "49" : key == "pid" ? "1234" : "/system.slice"));
  auto parsed = as_flag(key, value);
  if (!parsed) return at_line(name, number, shown, parsed.error().why, parsed.error().hint);
  if (key == "frequency") {
    if (out.frequency_hz)
      return at_line(name, number, shown, "frequency given twice", "keep one frequency line");
    out.frequency_hz = parsed->frequency_hz;
  } else if (key == "pid") {
    const std::uint32_t pid = parsed->pids.at(0);
    if (std::find(out.pids.begin(), out.pids.end(), pid) != out.pids.end())
      return at_line(name, number, shown, "given twice", "list each process once");
    if (out.pids.size() == kMaxPids)
      return at_line(name, number, shown, "more than " + std::to_string(kMaxPids) + " pids",
                     "profile fewer processes");
    out.pids.push_back(pid);
  } else {
    const std::string& cg = parsed->cgroups.at(0);
    if (std::find(out.cgroups.begin(), out.cgroups.end(), cg) != out.cgroups.end())
      return at_line(name, number, shown, "given twice", "list each cgroup once");
    if (out.cgroups.size() == kMaxCgroups)
      return at_line(name, number, shown, "more than " + std::to_string(kMaxCgroups) + " cgroups",
                     "name a common parent cgroup instead");
    out.cgroups.push_back(cg);
  }
  return ok_status();
}

}  // namespace

Result<ConfigFile> parse_config_file(std::string_view text, std::string_view name) {
  ConfigFile out;
  unsigned number = 0;
  while (!text.empty()) {
    const std::string_view line = trim(next_line(text));
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return at_line(name, number, std::string(line), "not \"key = value\"",
                     "e.g. frequency = 49, pid = 1234, cgroup = /system.slice/nginx.service");
    if (Status s = apply_line(out, name, number, trim(line.substr(0, eq)),
                              trim(line.substr(eq + 1)));
        !s)
      return s.error();
  }
  return out;
}

Result<ConfigFile> read_config_file(const std::string& path) {
  const FileText f = read_file_text(path);
  if (f.err != 0)
    return make_error(ExitCode::kUsage, "--config " + path, std::strerror(f.err),
                      "create it (it may be empty) or leave --config out");
  return parse_config_file(f.text, path);
}

}  // namespace profbufd::cli
