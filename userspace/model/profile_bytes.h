// What a Profile costs in memory, for stores bounded by bytes
// (sinks/recent_profiles.h). An estimate of heap bytes: the containers'
// capacities and every string that does not fit its inline buffer.
#pragma once

#include <cstddef>

#include "model/profile.h"

namespace profbufd {

std::size_t approximate_bytes(const Profile& p);

}  // namespace profbufd
