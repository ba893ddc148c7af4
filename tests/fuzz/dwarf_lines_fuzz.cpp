// Source lines and inline chains (symbolize/dwarf_lines.h) on mutated
// ELF/DWARF bytes: a binary built with -g, or its debug file, comes from the
// profiled process's side. Looks up the addresses its load segments cover.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "symbolize/dwarf_lines.h"
#include "symbolize/elf_symbols.h"

using namespace profbufd;
using namespace profbufd::symbolize;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fd fd = fuzz::memfd_of(fuzz::text_of(data, size));
  bool over_budget = false;
  auto lines = DwarfLines::open(fd.get(), "fuzz.debug", 16u << 20, over_budget);
  if (!lines) return 0;
  // Addresses to look up: the segments' (when libelf reads them), and a few fixed ones.
  std::vector<std::uint64_t> addrs = {0, 0x1000, 0x1139, 0x401000};
  if (auto syms = ElfSymbols::load_fd(fd.get(), "fuzz.debug")) {
    for (const LoadSegment& seg : syms->segments()) {
      for (std::uint64_t i = 0; i < 4; ++i) addrs.push_back(seg.vaddr + seg.filesz * i / 4);
    }
  }
  for (const std::uint64_t a : addrs) {
    if ((*lines)->lookup(a).size() > kMaxInlineDepth + 1) std::abort();
  }
  return 0;
}
