// What a profile kind may add to the Profile being built from one of its
// windows, beyond the aggregated stacks (kinds/kind.h, Kind::finish): samples
// on synthetic frames (the CPU kind's "[idle]"), details and comments.
#pragma once

#include <cstdint>
#include <string_view>

#include "model/profile.h"

namespace profbufd {

class ProfileAssembly {
 public:
  virtual ~ProfileAssembly() = default;
  virtual Profile& profile() = 0;
  // The index of the location of a synthetic frame named `name`; one
  // location per distinct name in a profile.
  virtual std::uint32_t synthetic(std::string_view name) = 0;
};

}  // namespace profbufd
