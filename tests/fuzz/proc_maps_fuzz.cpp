// /proc/PID/maps (process/proc_maps.h). The kernel writes it, but the paths
// in it are whatever names a process gave the files it maps.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "process/proc_maps.h"

using namespace profbufd;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  (void)parse_maps(text);
  const auto maps = ProcessMaps::parse(text);
  if (!maps) return 0;
  // The snapshot's invariant: executable, sorted by start, disjoint.
  const std::vector<MapEntry>& e = maps->entries();
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (!e[i].exec || e[i].start >= e[i].end) std::abort();
    if (i > 0 && e[i - 1].end > e[i].start) std::abort();
    if (maps->find(e[i].start) != &e[i] || maps->find(e[i].end - 1) != &e[i]) std::abort();
  }
  return 0;
}
