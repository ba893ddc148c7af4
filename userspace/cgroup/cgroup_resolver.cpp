#include "cgroup/cgroup_resolver.h"

#include "cgroup/cgroup_walk.h"

namespace profbufd::cgroup {
namespace {

// The only writer is the resolving thread: a relaxed load and store, no
// locked read-modify-write.
void bump(std::atomic<std::uint64_t>& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

CgroupResolver::CgroupResolver(std::string mount, std::size_t max_entries)
    : mount_(std::move(mount)), max_entries_(max_entries ? max_entries : 1) {}

void CgroupResolver::resolve(std::span<const std::uint64_t> ids) {
  bool walked = false;
  for (std::uint64_t id : ids) {
    if (entries_.contains(id)) {
      bump(hits_);
      continue;
    }
    if (!walked && !mount_.empty()) {
      walk();
      walked = true;
      if (entries_.contains(id)) continue;
    }
    bump(misses_);
  }
}

CgroupResolver::Stats CgroupResolver::stats() const {
  return Stats{walks_.load(std::memory_order_relaxed), hits_.load(std::memory_order_relaxed),
               misses_.load(std::memory_order_relaxed), size_.load(std::memory_order_relaxed)};
}

const CgroupInfo* CgroupResolver::find(std::uint64_t id) const {
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second.info;
}

void CgroupResolver::walk() {
  auto tree = walk_cgroups(mount_, max_entries_);
  bump(walks_);
  if (!tree) return;
  const std::uint64_t gen = walks_.load(std::memory_order_relaxed);
  for (CgroupEntry& e : *tree) {
    auto [it, added] = entries_.try_emplace(e.id);
    it->second.walk = gen;
    if (added || it->second.info.path != e.path) {
      it->second.info.identity = describe_cgroup(e.path);
      it->second.info.path = std::move(e.path);
    }
  }
  // Over the bound: forget the cgroups this walk did not find (removed ones).
  if (entries_.size() > max_entries_)
    std::erase_if(entries_, [gen](const auto& kv) { return kv.second.walk != gen; });
  size_.store(entries_.size(), std::memory_order_relaxed);
}

}  // namespace profbufd::cgroup
