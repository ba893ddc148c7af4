#include "app/settings.h"

#include <algorithm>

#include "cli/config_file.h"
#include "cli/preflight.h"

namespace profbufd {
namespace {

std::string list_pids(const std::vector<std::uint32_t>& pids) {
  if (pids.empty()) return "none";
  std::string s;
  for (std::uint32_t p : pids) s += (s.empty() ? "" : ", ") + std::to_string(p);
  return s;
}

std::string list_cgroups(const std::vector<cgroup::CgroupRef>& cgroups) {
  if (cgroups.empty()) return "none";
  std::string s;
  for (const auto& c : cgroups) s += (s.empty() ? "" : ", ") + c.path;
  return s;
}

Status add_cgroups(const std::vector<std::string>& given, const SettingsEnv& env,
                   std::vector<cgroup::CgroupRef>& out) {
  for (const std::string& g : given) {
    auto ref = cgroup::resolve_cgroup_arg(g, env.cgroup2_mount);
    if (!ref) return ref.error();
    const bool seen = std::any_of(out.begin(), out.end(),
                                  [&](const cgroup::CgroupRef& c) { return c.path == ref->path; });
    if (!seen) out.push_back(std::move(ref).value());
  }
  return ok_status();
}

Status check_counts(const Settings& s) {
  if (s.pids.size() > cli::kMaxPids)
    return make_error(ExitCode::kUsage, "pid filters",
                      std::to_string(s.pids.size()) + " from the command line and --config together",
                      "at most " + std::to_string(cli::kMaxPids));
  if (s.cgroups.size() > cli::kMaxCgroups)
    return make_error(ExitCode::kUsage, "cgroup filters",
                      std::to_string(s.cgroups.size()) +
                          " from the command line and --config together",
                      "at most " + std::to_string(cli::kMaxCgroups));
  return ok_status();
}

}  // namespace

Result<Settings> load_settings(const cli::Options& command_line, const SettingsEnv& env) {
  Settings s;
  s.frequency_hz = command_line.frequency_hz;
  s.pids = command_line.pids;
  if (Status st = add_cgroups(command_line.cgroups, env, s.cgroups); !st) return st.error();
  if (command_line.config_path) {
    auto file = cli::read_config_file(*command_line.config_path);
    if (!file) return file.error();
    if (file->frequency_hz) s.frequency_hz = *file->frequency_hz;
    for (std::uint32_t pid : file->pids)
      if (std::find(s.pids.begin(), s.pids.end(), pid) == s.pids.end()) s.pids.push_back(pid);
    if (Status st = add_cgroups(file->cgroups, env, s.cgroups); !st) return st.error();
  }
  if (Status st = check_counts(s); !st) return st.error();
  // Only a frequency that differs from the command line's, which preflight
  // has checked already, needs the kernel's limit read again.
  if (s.frequency_hz != command_line.frequency_hz)
    if (Status st = cli::check_frequency(s.frequency_hz, env.max_sample_rate); !st)
      return st.error();
  return s;
}

bool filters_differ(const Settings& a, const Settings& b) {
  auto paths = [](const Settings& s) {
    std::vector<std::string> p;
    for (const auto& c : s.cgroups) p.push_back(c.path);
    std::sort(p.begin(), p.end());
    return p;
  };
  auto pids = [](const Settings& s) {
    std::vector<std::uint32_t> p = s.pids;
    std::sort(p.begin(), p.end());
    return p;
  };
  return pids(a) != pids(b) || paths(a) != paths(b);
}

std::string describe_change(const Settings& before, const Settings& after) {
  std::string out;
  const auto part = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  if (before.frequency_hz != after.frequency_hz)
    part("frequency " + std::to_string(before.frequency_hz) + " -> " +
         std::to_string(after.frequency_hz) + " Hz");
  if (list_pids(before.pids) != list_pids(after.pids))
    part("pids " + list_pids(before.pids) + " -> " + list_pids(after.pids));
  if (list_cgroups(before.cgroups) != list_cgroups(after.cgroups))
    part("cgroups " + list_cgroups(before.cgroups) + " -> " + list_cgroups(after.cgroups));
  return out;
}

}  // namespace profbufd
