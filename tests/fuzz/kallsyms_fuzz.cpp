// /proc/kallsyms (symbolize/kallsyms.h). Module symbol names come from the
// modules loaded; the parser must hold its invariants (sorted, unique
// starts) whatever the lines are.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "symbolize/kallsyms.h"

using namespace profbufd::symbolize;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = profbufd::fuzz::text_of(data, size);
  const auto syms = KernelSymbols::parse(text);
  if (!syms) return 0;
  for (std::size_t i = 0; i + 8 <= text.size() && i < 64; i += 8) {
    std::uint64_t addr = 0;
    for (std::size_t b = 0; b < 8; ++b) addr = addr << 8 | static_cast<unsigned char>(text[i + b]);
    for (const std::uint64_t a : {addr, addr | std::uint64_t{0xffffffff00000000}}) {
      const auto s = syms->find(a);
      if (s && (s->start > a || s->offset != a - s->start || s->module.empty())) std::abort();
    }
  }
  return 0;
}
