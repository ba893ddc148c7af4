// A closed window as Pyroscope series: one per service, each a label set and
// the gzip pprof of that service's samples.
//
// Labels of every series (sorted by name, as Pyroscope's validation wants):
//   __delta__="false"  the window's values are what happened in it, not a
//                      cumulative count to subtract from the previous one
//   __name__           the profile kind in Pyroscope's names: cpu ->
//                      "process_cpu", as Pyroscope's own eBPF profiler and Go's
//                      net/http/pprof scrapes call it; other kinds by their name
//   hostname           the host the window was collected on
//   service_name       the service the samples belong to (below)
//
// The service of a sample is its service_name label (model/labeler.h: the
// systemd unit, else the container id) when it belongs to a unit or a
// container (it has a systemd_unit or container_id label); samples of
// neither (the root cgroup's kernel threads, idle, lost samples), whose
// service_name is only their comm, go to a series named after the host. At most kMaxSeries series per window: the services
// with the least value go into the host's series instead, so a host running
// thousands of containers cannot blow up the backend's series count.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "model/profile.h"

namespace profbufd::pyroscope {

inline constexpr std::size_t kMaxSeries = 64;

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Series {
  Labels labels;       // sorted by name
  std::string pprof;   // gzip-compressed profile.proto
};

// "process_cpu" for "cpu"; other kinds keep their name.
std::string profile_name(std::string_view kind);

// The window's series; fails only when compression does.
Result<std::vector<Series>> split_by_service(const Profile& profile);

}  // namespace profbufd::pyroscope
