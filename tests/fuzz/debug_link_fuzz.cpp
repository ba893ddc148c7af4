// A .gnu_debuglink section's bytes (symbolize/debug_file.h) and the debug
// file paths made from it and a build ID: the name must never lead out of
// the debug directories.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input.h"
#include "symbolize/debug_file.h"

using namespace profbufd::symbolize;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = profbufd::fuzz::text_of(data, size);
  const auto link = parse_debug_link(bytes);
  if (link && (link->file.empty() || link->file.find('/') != std::string::npos ||
               link->file == "..")) {
    std::abort();
  }
  // The build ID as the ELF notes give it is hex; the binary path is the
  // process's, any bytes.
  const std::string_view build_id = bytes.substr(0, std::min<std::size_t>(bytes.size(), 40));
  const auto candidates = debug_file_candidates({"/proc/1/root", ""}, kDefaultDebugDir, build_id,
                                                bytes, link);
  (void)candidates;
  return 0;
}
