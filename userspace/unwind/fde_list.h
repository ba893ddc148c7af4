// The FDEs of one CFI section (.eh_frame or .debug_frame) as address ranges.
// libdw reads CIEs and FDEs (dwarf_next_cfi) but gives an FDE's
// initial_location and address_range as raw bytes, encoded as its CIE's 'R'
// augmentation says (on x86-64 .eh_frame: pc-relative signed 4 bytes); this
// decodes them.
#pragma once

#include <libelf.h>

#include <cstdint>
#include <vector>

namespace profbufd::unwind {

struct FdeRange {
  std::uint64_t lo = 0, hi = 0;  // [lo, hi) in ELF vaddr space
  bool eh = true;                // from .eh_frame (else .debug_frame)
};

struct FdeListStats {
  std::size_t fdes = 0;
  std::size_t bad = 0;  // entries that could not be read or decoded
  // A CFA program that would make libdw allocate without bound
  // (unwind/cfa_scan.h), or an FDE of a CIE not seen before it: the listing
  // stopped there, and the section's CFI must not be used at all.
  bool hostile = false;
};

// Appends the FDEs of `data`, a section whose vaddr is `sh_addr` (0 for
// .debug_frame, whose addresses are absolute). FDEs of length 0 or at address 0
// (discarded sections) are left out.
void list_fdes(Elf* elf, const Elf_Data* data, std::uint64_t sh_addr, bool eh,
               std::vector<FdeRange>& out, FdeListStats& stats);

// Decodes one DW_EH_PE_* encoded pointer at p (advancing it), or returns false
// (encoding not supported, or past `end`). `field_vaddr` is the vaddr of the
// field, for pc-relative encodings. Exposed for tests.
bool read_encoded(const std::uint8_t*& p, const std::uint8_t* end, std::uint8_t encoding,
                  std::uint64_t field_vaddr, std::uint64_t& out);

// Decodes one (s|u)LEB128 at p (advancing it), or returns false (truncated,
// or longer than 64 bits).
bool read_leb128(const std::uint8_t*& p, const std::uint8_t* end, bool sign, std::uint64_t& out);
// Skips a ULEB128 length and that many bytes (a DWARF block, augmentation
// data), or returns false if they run past `end`.
bool skip_block(const std::uint8_t*& p, const std::uint8_t* end);

}  // namespace profbufd::unwind
