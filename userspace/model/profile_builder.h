// Symbolize-at-window-close: turns one closed Window of one kind (raw
// addresses, accumulators) into a Profile (mappings, locations with function
// names, samples with the kind's values) that the encoders render. Cost is per
// unique address: the Symbolizer caches.
//
// Order of samples: the window's stacks in insertion order, then what the kind
// adds (Kind::finish; the CPU kind's [idle]), then one sample per lost-record
// reason on a "[lost: <reason>]" frame.
//
// Labels of a stack: pid, tid, comm; the kind's; then who it belongs to
// (model/labeler.h: cgroup, container_id, pod_uid, systemd_unit,
// service_name, nspid). A window's cgroup/container selection drops the
// stacks outside it here. Changes the window spanned (SIGHUP) become
// comments and the detail "settings_changes".
#pragma once

#include <cstdint>
#include <string>

#include "core/window.h"
#include "kinds/kind.h"
#include "model/profile.h"

namespace profbufd {

class Labeler;
class Symbolizer;

// What a profile says about where it was taken, whatever its kind.
struct ProfileContext {
  std::string version = {};
  std::string host = {};
  std::string kernel = {};
  std::uint32_t cpus = 0;
  // --folded-root: the label the folded writer puts as each line's root
  // frame; empty: none.
  std::string folded_root = {};
  std::string user_unwind = "fp";  // how user stacks were walked (ProfileMetadata)
};

// The context of this machine: PROFBUFD_VERSION, hostname, uname release.
ProfileContext this_machine(std::uint32_t cpus);

// Names of the lost-record reasons, as they appear in profiles and metrics.
inline constexpr const char* kLostRingbufFull = "ringbuf_full";
inline constexpr const char* kLostProfBufOverflow = "profbuf_overflow";

// `kind` is the Kind whose id() is window.kind. Without a labeler, stacks
// get no identity labels, and a window with a cgroup/container selection
// keeps none of them (nothing can be told to be inside it).
Profile build_profile(const Window& window, const kinds::Kind& kind, Symbolizer& symbolizer,
                      const ProfileContext& context, Labeler* labeler = nullptr);

}  // namespace profbufd
