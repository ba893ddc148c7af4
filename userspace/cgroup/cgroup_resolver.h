// cgroup v2 id -> path and identity (container, pod, unit), for labelling
// samples at window close.
//
// A cache over walks of the cgroup2 mount (cgroup/cgroup_walk.h): an id the
// cache does not know makes resolve() walk the tree again, at most once per
// call, however many ids miss, so a window costs one walk at worst and usually
// none. Ids are never reused by the kernel, so entries of cgroups that have
// since been removed stay valid and are kept (a container that exited before
// its window closed still gets its labels) until the cache is over its bound;
// then the ones the latest walk did not see go first.
//
// Threads: one user at a time (the publisher thread); stats() may be read
// from any thread (the metrics scrape): relaxed atomics whose only writer is
// that user, with no other data ordered by them.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "cgroup/cgroup_path.h"

namespace profbufd::cgroup {

struct CgroupInfo {
  std::string path;  // "/libpod_parent/libpod-<id>", "/" for the root
  CgroupIdentity identity;
};

class CgroupResolver {
 public:
  struct Stats {
    std::uint64_t walks = 0;
    std::uint64_t hits = 0, misses = 0;  // misses: unknown even after a walk
    std::size_t entries = 0;
    Stats& operator+=(const Stats& o) {  // two resolvers' costs, as one (app/pipeline.h)
      walks += o.walks;
      hits += o.hits;
      misses += o.misses;
      entries += o.entries;
      return *this;
    }
  };

  // `mount`: the cgroup2 mount point; empty: no cgroup v2 (everything
  // misses, nothing is walked). At most `max_entries` ids are kept (each a
  // path and its identity, a few hundred bytes: 16,384 of them stay under
  // 5 MB on a host that churns through containers), and a walk reads at most
  // that many directories.
  explicit CgroupResolver(std::string mount, std::size_t max_entries = 16384);

  // Looks up every id of `ids`, walking the tree once if any is unknown.
  // Afterwards find() answers each of them without I/O.
  void resolve(std::span<const std::uint64_t> ids);
  // What resolve() learnt of `id`; null if it is unknown.
  const CgroupInfo* find(std::uint64_t id) const;

  const std::string& mount() const { return mount_; }
  Stats stats() const;

 private:
  struct Entry {
    CgroupInfo info;
    std::uint64_t walk = 0;  // the last walk that saw it
  };
  void walk();

  std::string mount_;
  std::size_t max_entries_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::atomic<std::uint64_t> walks_{0}, hits_{0}, misses_{0};
  std::atomic<std::size_t> size_{0};
};

}  // namespace profbufd::cgroup
