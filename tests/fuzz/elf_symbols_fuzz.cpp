// ELF symbol tables, load segments, build-id notes, .gnu_debuglink and
// MiniDebugInfo (symbolize/elf_symbols.h, process/elf_layout.h) on mutated
// ELF bytes: every binary a profiled process maps is read, and any user can
// map a file of their making. The debug opener hands the same bytes back as
// the "debug file", so that its .symtab path runs too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "symbolize/elf_symbols.h"

using namespace profbufd;
using namespace profbufd::symbolize;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuzz::text_of(data, size);
  const Fd fd = fuzz::memfd_of(bytes);
  const DebugOpener debug = [bytes](std::string_view, const std::optional<DebugLink>&) {
    return DebugFile{fuzz::memfd_of(bytes), false};
  };
  auto syms = ElfSymbols::load_fd(fd.get(), "fuzz.elf", debug);
  if (!syms) return 0;
  for (const LoadSegment& seg : syms->segments()) {
    const auto vaddr = syms->file_offset_to_vaddr(seg.offset);
    for (const std::uint64_t a : {seg.vaddr, seg.vaddr + seg.filesz / 2, vaddr.value_or(0)}) {
      const auto s = syms->find(a);
      if (s && (s->start > a || s->offset != a - s->start)) std::abort();
    }
  }
  (void)syms->take_debug_fd();
  return 0;
}
