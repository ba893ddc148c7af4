// /proc/self/mountinfo (cgroup/cgroup_mounts.h): mount points hold whatever
// names a user with a mount namespace gave them, octal escapes included.
#include <cstddef>
#include <cstdint>

#include "cgroup/cgroup_mounts.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)profbufd::cgroup::parse_cgroup_mounts(profbufd::fuzz::text_of(data, size));
  return 0;
}
