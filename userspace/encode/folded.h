// Folded-stacks writer: the input format of Brendan Gregg's flamegraph.pl
// (and inferno, speedscope). One line per distinct stack:
//
//   comm;outermost;...;leaf value
//   service_name;comm;outermost;...;leaf value   (metadata.folded_root set)
//
// where value is one of the profile's values, chosen by index (0, the first
// sample type, by default: a CPU profile's sample count).
// root first (the reverse of the leaf-first storage in Profile). Samples of
// different pids/tids with the same comm and the same frames are merged into
// one line. Kernel frames get the suffix "_[k]" (flamegraph.pl --color=java
// and inferno colour them as kernel); synthetic frames (lost samples) appear
// as their name. Lines are sorted bytewise by stack and end in '\n'; samples whose
// value is 0 produce no line.
//
// Names are sanitized so that they cannot break the line format: ';' becomes
// ':', ASCII control characters (newline, tab, NUL, ...) become '?', and an
// empty name becomes "[unknown]". Other bytes, including invalid UTF-8, pass
// through unchanged: the format is bytes, not text.
#pragma once

#include <string>
#include <string_view>

#include "model/profile.h"

namespace profbufd {

// Throws std::out_of_range if the Profile breaks its index invariants or has
// no sample type `value_index`.
std::string render_folded(const Profile& profile, std::size_t value_index = 0);

// The sanitizing applied to every comm and frame name (exposed for tests).
std::string sanitize_folded_name(std::string_view name);

}  // namespace profbufd
