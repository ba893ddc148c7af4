#include "sinks/pyroscope/series.h"

#include <algorithm>
#include <map>

#include "encode/pprof.h"
#include "model/label_filter.h"
#include "model/labeler.h"

namespace profbufd::pyroscope {
namespace {

// The service a sample belongs to, or "" for the host's series. Only a sample
// of a systemd unit or a container names a service: the labeler's
// service_name (model/labeler.h: the unit, else the container id), or, in a
// profile not labeled by it, the same rule applied to its labels. The
// labeler's last resort, the comm, is not a service here: such samples (the
// root cgroup's kernel threads, idle, lost) go to the host's series, as
// issue 14 asks, and one series per program would soon hit kMaxSeries.
std::string service_of(const Sample& s) {
  const std::string* service = nullptr;
  const std::string* container = nullptr;
  const std::string* unit = nullptr;
  for (const Label& l : s.labels) {
    if (l.numeric || l.str.empty()) continue;
    if (l.key == kLabelServiceName) service = &l.str;
    else if (l.key == kLabelContainerId) container = &l.str;
    else if (l.key == kLabelSystemdUnit) unit = &l.str;
  }
  if (container == nullptr && unit == nullptr) return {};
  if (service != nullptr) return *service;
  // A container's own scope (docker-<id>.scope) names the container.
  if (unit != nullptr && (container == nullptr || unit->find(*container) == std::string::npos))
    return *unit;
  return container != nullptr ? *container : *unit;
}

Labels labels_for(const Profile& p, const std::string& service) {
  Labels l{{"__delta__", "false"},
           {"__name__", profile_name(p.metadata.kind)},
           {"hostname", p.metadata.host},
           {"service_name", service.empty() ? p.metadata.host : service}};
  std::sort(l.begin(), l.end());
  return l;
}

}  // namespace

std::string profile_name(std::string_view kind) {
  return kind == "cpu" ? "process_cpu" : std::string(kind);
}

Result<std::vector<Series>> split_by_service(const Profile& profile) {
  std::map<std::string, std::vector<std::size_t>> groups;  // service -> samples
  std::map<std::string, std::int64_t> value;
  for (std::size_t i = 0; i < profile.samples.size(); ++i) {
    std::string service = service_of(profile.samples[i]);
    value[service] += profile.samples[i].values[0];
    groups[std::move(service)].push_back(i);
  }
  groups.try_emplace("");  // the host's series, even for an empty window
  if (groups.size() > kMaxSeries) {
    std::vector<std::pair<std::int64_t, std::string>> by_value;
    for (const auto& [service, v] : value)
      if (!service.empty()) by_value.emplace_back(v, service);
    std::sort(by_value.begin(), by_value.end(), std::greater<>());
    for (std::size_t i = kMaxSeries - 1; i < by_value.size(); ++i) {
      auto& moved = groups[by_value[i].second];
      auto& host = groups[""];
      host.insert(host.end(), moved.begin(), moved.end());
      groups.erase(by_value[i].second);
    }
    std::sort(groups[""].begin(), groups[""].end());
  }
  std::vector<Series> out;
  for (const auto& [service, samples] : groups) {
    auto pprof = groups.size() == 1 ? render_pprof(profile)
                                    : render_pprof(select_samples(profile, samples));
    if (!pprof) return pprof.error();
    out.push_back(Series{labels_for(profile, service), std::move(*pprof)});
  }
  return out;
}

}  // namespace profbufd::pyroscope
