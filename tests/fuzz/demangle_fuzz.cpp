// The demangler wrapper (symbolize/demangle.h) on symbol names taken from
// hostile ELF files, perf maps and kallsyms: any bytes, "_Z" or not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "symbolize/demangle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view name = profbufd::fuzz::text_of(data, size);
  const std::string out = profbufd::symbolize::demangle(name);
  // Anything not demangled comes back unchanged.
  if (!name.starts_with("_Z") && out != name) std::abort();
  return 0;
}
