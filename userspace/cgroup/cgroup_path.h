// Who a cgroup v2 path belongs to, read from the path alone: the container,
// the Kubernetes pod and the systemd unit that the runtimes and systemd name
// in it. Paths are as /proc/PID/cgroup prints them ("/system.slice/x.service").
//
// The forms recognised (each id is 64 lowercase hex digits):
//
//   docker (systemd)      /system.slice/docker-<id>.scope
//   docker (cgroupfs)     /docker/<id>
//   podman (systemd)      /machine.slice/libpod-<id>.scope[/container]
//   podman (cgroupfs)     /libpod_parent/libpod-<id>
//   containerd (k8s)      /kubepods.slice/kubepods-<qos>.slice/
//                           kubepods-<qos>-pod<uid_with_underscores>.slice/
//                           cri-containerd-<id>.scope
//   cri-o (k8s)           .../kubepods-<qos>-pod<uid>.slice/crio-<id>.scope
//   k8s cgroupfs          /kubepods/<qos>/pod<uid>/<id>  (or crio-<id>)
//   runc (systemd driver) /system.slice/runc-<id>.scope
//
// The container is the deepest component naming an id, so a runtime's own
// sub-cgroup below it ("/container", "/init.scope") keeps the id. A runtime's
// monitor beside the container (podman's "libpod-conmon-<id>.scope", cri-o's
// "crio-conmon-<id>.scope") is not the container and gets no id.
#pragma once

#include <string>
#include <string_view>

namespace profbufd::cgroup {

struct CgroupIdentity {
  std::string container_id;  // 64 hex digits, or empty
  std::string pod_uid;       // "8f2b...-..." with dashes (or a static pod's hash)
  std::string systemd_unit;  // the deepest "*.service" or "*.scope", or empty
  // The unit is the container's own scope (docker-<id>.scope, ...): it names
  // the container, not a service.
  bool unit_is_container = false;
};

CgroupIdentity describe_cgroup(std::string_view path);

// The container id a component names, or empty ("docker-<id>.scope" -> id).
std::string container_id_of(std::string_view component);

}  // namespace profbufd::cgroup
