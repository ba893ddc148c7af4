// pprof writer: renders a Profile as profile.proto
// (github.com/google/pprof/proto/profile.proto), gzip-compressed, the format
// `go tool pprof`, Pyroscope, Parca and speedscope read.
//
// What the profile contains:
//   sample_type  Profile::sample_types (CPU: samples/count, cpu/nanoseconds),
//                default_sample_type when the Profile names one
//   period_type  / period from the Profile
//   sample       one value per sample type, location_id leaf first, labels
//                pid and tid (numeric), comm (string), then Sample::labels
//   mapping      one per Profile::mappings entry (the kernel's included),
//                id = index + 1, has_functions = true (already symbolized)
//   location     one per Profile::locations entry, id = index + 1, one Line;
//                synthetic frames (lost samples) have no mapping
//   function     one per distinct (name, module); system_name = name;
//                filename left empty (we do not know source files)
//   time_nanos / duration_nanos from the metadata; comments carry version,
//   host, kernel, kind, the kind's own comments (CPU: CPUs, frequency,
//   samples) and lost-sample counts by reason.
//
// Every string is made valid UTF-8 (invalid bytes become U+FFFD), as proto3
// requires: generated decoders (Parca, Pyroscope) reject the whole profile
// otherwise.
//
// Known pprof decoder limitation: a numeric label whose value is 0 is read
// back as absent, so samples of pid 0 (the idle task) show no pid/tid label;
// their comm label ("swapper/N") still identifies them.
//
// Output is deterministic: same Profile, same bytes.
#pragma once

#include <string>

#include "common/error.h"
#include "model/profile.h"

namespace profbufd {

// The uncompressed protobuf encoding. Throws std::out_of_range if the Profile
// breaks its index invariants (see profile.h).
std::string encode_pprof_proto(const Profile& profile);

// encode_pprof_proto, gzip-compressed: the bytes of a .pb.gz file.
Result<std::string> render_pprof(const Profile& profile);

}  // namespace profbufd
