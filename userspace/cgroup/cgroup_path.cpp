#include "cgroup/cgroup_path.h"

#include <algorithm>
#include <array>
#include <vector>

namespace profbufd::cgroup {
namespace {

constexpr std::size_t kIdLength = 64;

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view c = path.substr(0, slash);
    if (!c.empty()) out.push_back(c);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool strip_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

// 8-4-4-4-12 hex digits with dashes, as Kubernetes writes pod UIDs; or 32
// hex digits, the config hash that a static pod has for its UID.
bool is_pod_uid(std::string_view s) {
  if (s.size() == 32) return is_lower_hex(s);
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !is_lower_hex(s.substr(i, 1))) return false;
  }
  return true;
}

// "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid with '_'>.slice"
// (systemd, which cannot have '-' inside a slice name's last part).
std::string pod_uid_of(std::string_view component) {
  std::string uid;
  if (component.starts_with("pod")) {
    uid = std::string(component.substr(3));
  } else if (component.starts_with("kubepods") && strip_suffix(component, ".slice")) {
    const std::size_t at = component.rfind("-pod");
    if (at == std::string_view::npos) return {};
    uid = std::string(component.substr(at + 4));
    std::replace(uid.begin(), uid.end(), '_', '-');
  }
  return is_pod_uid(uid) ? uid : std::string();
}

}  // namespace

std::string container_id_of(std::string_view component) {
  std::string_view c = component;
  strip_suffix(c, ".scope");
  // Longest prefix first: "cri-containerd-" before a bare id.
  static constexpr std::array<std::string_view, 6> kPrefixes = {
      "cri-containerd-", "containerd-", "docker-", "libpod-", "crio-", "runc-"};
  for (std::string_view p : kPrefixes) {
    if (c.starts_with(p)) {
      c.remove_prefix(p.size());
      break;
    }
  }
  // "libpod-conmon-<id>" is left as "conmon-<id>" and fails here, as it should.
  if (c.size() != kIdLength || !is_lower_hex(c)) return {};
  return std::string(c);
}

CgroupIdentity describe_cgroup(std::string_view path) {
  CgroupIdentity id;
  bool in_kubepods = false;
  std::string_view unit;
  for (std::string_view c : components(path)) {
    if (c.starts_with("kubepods")) in_kubepods = true;
    if (in_kubepods)
      if (std::string uid = pod_uid_of(c); !uid.empty()) id.pod_uid = std::move(uid);
    if (std::string cid = container_id_of(c); !cid.empty()) id.container_id = std::move(cid);
    if (c.ends_with(".service") || c.ends_with(".scope")) unit = c;
  }
  id.systemd_unit = std::string(unit);
  id.unit_is_container = !unit.empty() && !container_id_of(unit).empty();
  return id;
}

}  // namespace profbufd::cgroup
