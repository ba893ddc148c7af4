#include "model/labeler.h"

#include <algorithm>

#include "process/process_identity.h"

namespace profbufd {
namespace {

void add_str(std::vector<Label>& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out.push_back(Label{std::string(key), value, 0, false});
}

}  // namespace

Labeler::Labeler(cgroup::CgroupResolver& resolver) : resolver_(resolver) {}

void Labeler::prepare(const Window& w) {
  window_ = &w;
  fallback_.clear();
  std::vector<std::uint64_t> ids;
  w.stacks.for_each(
      [&](const StackTable::Entry& e) { ids.push_back(e.key[StackTable::kCgroupWord]); });
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  resolver_.resolve(ids);
}

const cgroup::CgroupInfo* Labeler::identify(std::uint64_t cgroup_id, ProcessKey process) {
  const bool v2 = !resolver_.mount().empty();
  // On a v1-only host every task reports the v2 root's id: it says nothing.
  if (v2)
    if (const cgroup::CgroupInfo* info = resolver_.find(cgroup_id)) return info;
  if (window_ == nullptr) return nullptr;
  if (auto it = fallback_.find(process); it != fallback_.end()) return &it->second;
  const auto id = window_->identities.find(process);
  if (id == window_->identities.end() || !id->second) return nullptr;
  std::string path = cgroup::identity_path(id->second->cgroups, v2);
  if (path.empty()) return nullptr;
  cgroup::CgroupInfo info{path, cgroup::describe_cgroup(path)};
  return &fallback_.emplace(process, std::move(info)).first->second;
}

bool Labeler::selected(const Window& w, const cgroup::CgroupInfo* who) {
  if (w.cgroups.empty() && w.containers.empty()) return true;
  if (who == nullptr) return false;
  for (const std::string& c : w.cgroups) {
    const std::string& p = who->path;
    if (c == "/" || p == c || (p.starts_with(c) && p.size() > c.size() && p[c.size()] == '/'))
      return true;
  }
  const std::string& id = who->identity.container_id;
  for (const std::string& c : w.containers)
    if (!id.empty() && id.starts_with(c)) return true;
  return false;
}

void Labeler::labels(const cgroup::CgroupInfo* who, ProcessKey process, std::string_view comm,
                     std::vector<Label>& out) const {
  std::string service(comm);
  if (who != nullptr) {
    const cgroup::CgroupIdentity& id = who->identity;
    add_str(out, kLabelCgroup, who->path);
    add_str(out, kLabelContainerId, id.container_id);
    add_str(out, kLabelPodUid, id.pod_uid);
    add_str(out, kLabelSystemdUnit, id.systemd_unit);
    if (!id.systemd_unit.empty() && !id.unit_is_container)
      service = id.systemd_unit;
    else if (!id.container_id.empty())
      service = id.container_id;
  }
  add_str(out, kLabelServiceName, service);
  if (window_ != nullptr)
    if (const auto it = window_->identities.find(process);
        it != window_->identities.end() && it->second && it->second->nspid != 0)
      out.push_back(Label{std::string(kLabelNsPid), {}, it->second->nspid, true});
}

}  // namespace profbufd
