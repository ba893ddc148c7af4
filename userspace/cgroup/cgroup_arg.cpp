#include "cgroup/cgroup_arg.h"

#include <sys/stat.h>

namespace profbufd::cgroup {
namespace {

Error usage(std::string_view arg, std::string why, std::string hint) {
  return make_error(ExitCode::kUsage, "cgroup " + std::string(arg), std::move(why),
                    std::move(hint));
}

bool is_cgroup_dir(const std::string& dir) {
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         ::stat((dir + "/cgroup.procs").c_str(), &st) == 0;
}

}  // namespace

Result<std::string> normalize_cgroup_path(std::string_view given) {
  std::string_view path = given;
  if (!path.starts_with('/'))
    return usage(given, "not an absolute path",
                 "give the directory under the cgroup2 mount or the path "
                 "/proc/PID/cgroup prints, e.g. /system.slice/nginx.service");
  std::string out;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view c = path.substr(0, slash);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
    if (c.empty() || c == ".") continue;
    if (c == "..") return usage(given, "\"..\" in a cgroup path", "name the cgroup directly");
    out += '/';
    out += c;
  }
  return out.empty() ? std::string("/") : out;
}

std::optional<std::string> path_under_mount(const std::string& path, const std::string& mount) {
  if (mount.empty()) return std::nullopt;
  if (path == mount) return "/";
  if (path.starts_with(mount + "/")) return path.substr(mount.size());
  return std::nullopt;
}

Result<CgroupRef> resolve_cgroup_arg(std::string_view arg, const std::string& mount) {
  auto norm = normalize_cgroup_path(arg);
  if (!norm) return usage(arg, norm.error().why, norm.error().hint);
  if (mount.empty())
    return usage(arg, "this host has no cgroup v2 hierarchy mounted",
                 "cgroup filters need cgroup v2; filter by --pid instead");
  const std::string& p = *norm;
  if (auto under = path_under_mount(p, mount)) {
    CgroupRef r{std::move(*under), p};
    if (is_cgroup_dir(r.dir)) return r;
  }
  CgroupRef r{p, p == "/" ? mount : mount + p};
  if (is_cgroup_dir(r.dir)) return r;
  return usage(arg, "no such cgroup (" + r.dir + " is not a cgroup directory)",
               "see /proc/PID/cgroup of a process in it, or the tree under " + mount);
}

}  // namespace profbufd::cgroup
