// Who each sample of a window belongs to, as labels, added at window close by
// the profile builder (never on the reader's path):
//
//   cgroup        the cgroup v2 path ("/system.slice/nginx.service")
//   container_id  64 hex digits, for docker, containerd, cri-o and podman
//   pod_uid       the Kubernetes pod
//   systemd_unit  the .service or .scope that owns the cgroup
//   service_name  Pyroscope's convention: the systemd unit, else the
//                 container id, else the comm; a container's own scope
//                 (docker-<id>.scope) names the container, so it yields the
//                 container id
//   nspid         the pid inside the process's pid namespace, when not the
//                 host's (numeric)
//
// Where the cgroup comes from, best first: the record's cgroup id resolved
// against the cgroup2 tree (cgroup/cgroup_resolver.h, one walk at most per
// window); else, when the id is unknown (the cgroup is gone, or the host has
// no cgroup v2 and every id is the root's), what /proc/PID/cgroup said when
// the process was first seen (process/process_identity.h): its v2 path, or on
// a v1-only host systemd's or the first controller's.
//
// It also applies a window's selection (HTTP cgroup= and container=): a
// stack is kept when its cgroup is one of the selected ones or below one, or
// its container id starts with one of the selected ids.
//
// Threads: the publisher thread only (it owns the resolver's cache).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cgroup/cgroup_resolver.h"
#include "core/window.h"
#include "model/profile.h"

namespace profbufd {

class Labeler {
 public:
  // `resolver` outlives the Labeler; its mount tells whether cgroup v2 is
  // mounted.
  explicit Labeler(cgroup::CgroupResolver& resolver);

  // Once per window, before the stacks: resolves every distinct cgroup id
  // the window holds.
  void prepare(const Window& w);

  // The identity of one stack of the window last prepared, of the program
  // `process` (core/window.h); null when nothing is known. Valid until the
  // next prepare().
  const cgroup::CgroupInfo* identify(std::uint64_t cgroup_id, ProcessKey process);

  // Whether a stack of this identity passes the window's selection.
  static bool selected(const Window& w, const cgroup::CgroupInfo* who);

  // Appends the labels above for a sample of `process` with `comm`.
  void labels(const cgroup::CgroupInfo* who, ProcessKey process, std::string_view comm,
              std::vector<Label>& out) const;

 private:
  cgroup::CgroupResolver& resolver_;
  const Window* window_ = nullptr;
  // Identities read from /proc/PID/cgroup for the prepared window, by program.
  std::unordered_map<ProcessKey, cgroup::CgroupInfo> fallback_;
};

// Label keys, as profiles carry them.
inline constexpr std::string_view kLabelCgroup = "cgroup";
inline constexpr std::string_view kLabelContainerId = "container_id";
inline constexpr std::string_view kLabelPodUid = "pod_uid";
inline constexpr std::string_view kLabelSystemdUnit = "systemd_unit";
inline constexpr std::string_view kLabelServiceName = "service_name";
inline constexpr std::string_view kLabelNsPid = "nspid";

}  // namespace profbufd
