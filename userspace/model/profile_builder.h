// Symbolize-at-window-close: turns one closed Window (raw addresses, counts)
// into a Profile (mappings, locations with function names, samples) that the
// writers render. Cost is per unique address: the Symbolizer caches.
#pragma once

#include <cstdint>
#include <string>

#include "core/window.h"
#include "model/profile.h"

namespace profbufd {

class Symbolizer;

struct ProfileContext {
  std::string version;
  std::string host;
  std::string kernel;
  std::uint32_t frequency_hz = 0;
  std::uint32_t cpus = 0;
  // Turn idle time the sampler missed into "[idle]" samples (off with
  // --no-idle and with --pid, where idle is not part of the question).
  bool account_idle = false;
};

// Names of the lost-sample reasons, as they appear in profiles and metrics.
inline constexpr const char* kLostRingbufFull = "ringbuf_full";
inline constexpr const char* kLostProfBufOverflow = "profbuf_overflow";

Profile build_profile(const Window& window, Symbolizer& symbolizer,
                      const ProfileContext& context);

}  // namespace profbufd
