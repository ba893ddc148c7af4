// /proc/PID/cgroup and the cgroup paths in it (cgroup/proc_cgroup.h,
// cgroup/cgroup_path.h): a container runtime or a user with delegation names
// those cgroups, so every component is chosen by someone else. Each path also
// goes through the normalization --cgroup and cgroup= use (cgroup/cgroup_arg.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "cgroup/cgroup_arg.h"
#include "cgroup/cgroup_path.h"
#include "cgroup/proc_cgroup.h"
#include "fuzz_input.h"

using namespace profbufd::cgroup;

namespace {

void check_path(const std::string& path) {
  const CgroupIdentity id = describe_cgroup(path);
  if (!id.container_id.empty() && id.container_id.size() != 64) std::abort();
  const auto normal = normalize_cgroup_path(path);
  if (!normal) return;
  // Canonical is a fixed point.
  const auto again = normalize_cgroup_path(*normal);
  if (!again || *again != *normal) std::abort();
  (void)path_under_mount(*normal, "/sys/fs/cgroup");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto lines = parse_proc_cgroup(profbufd::fuzz::text_of(data, size));
  if (!lines) return 0;
  for (const ProcCgroupLine& line : *lines) check_path(line.path);
  (void)identity_path(*lines, true);
  (void)identity_path(*lines, false);
  return 0;
}
