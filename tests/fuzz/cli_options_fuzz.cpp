// The command line (cli/options.h): input bytes cut at NUL into the arguments
// after the program name, as execve hands them over.
#include <cstddef>
#include <cstdint>

#include "cli/options.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto args = profbufd::fuzz::split(profbufd::fuzz::text_of(data, size), '\0');
  const auto options = profbufd::cli::parse_options(args);
  if (!options) (void)options.error().line();
  return 0;
}
