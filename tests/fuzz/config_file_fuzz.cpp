// The settings file --config names (cli/config_file.h): root reads it, but a
// mistyped or half-written file must still be an error line, never a crash.
#include <cstddef>
#include <cstdint>

#include "cli/config_file.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto config = profbufd::cli::parse_config_file(profbufd::fuzz::text_of(data, size), "fuzz.conf");
  if (!config) (void)config.error().line();
  return 0;
}
