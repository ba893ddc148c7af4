// The unwind rows of one x86-64 ELF binary, built from its .eh_frame (and
// .debug_frame, for FDEs .eh_frame lacks) with elfutils libdw: for every range
// of code, how to find the caller's frame (a struct uw_rule of bpf/unwind.h).
//
// How: dwarf_next_cfi() lists the CIEs and FDEs (libdw has no "list FDEs" call,
// so the FDE's address range is decoded here with its CIE's pointer encoding);
// for each FDE, dwarf_cfi_addrframe() + dwarf_frame_info() give the rows and
// their ranges, dwarf_frame_cfa() and dwarf_frame_register() the rules, which
// classify() maps onto what the BPF walker supports. The whole table is built
// in one pass over the FDEs and never holds more than one Dwarf_Frame.
//
// The rows come out sorted by address, with equal neighbours merged. Holes
// between FDEs of up to kMaxPadding bytes (alignment padding: never a sampled
// address nor a return address) are covered by the row before them; longer
// ones get a GAP row, and so does the end of the last FDE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "unwind.h"

typedef struct Elf Elf;

namespace profbufd::unwind {

inline constexpr std::uint64_t kMaxPadding = 15;

struct CfiRow {
  std::uint64_t vaddr = 0;  // ELF vaddr where the row starts
  uw_rule rule{};
};

inline bool same_rule(const uw_rule& a, const uw_rule& b) {
  return a.cfa_kind == b.cfa_kind && a.rbp_kind == b.rbp_kind && a.rbp_off == b.rbp_off &&
         a.cfa_off == b.cfa_off;
}

struct CfiStats {
  std::size_t eh_frame_bytes = 0;
  std::size_t debug_frame_bytes = 0;
  std::size_t fdes = 0;
  std::size_t bad_fdes = 0;      // FDEs libdw could not read
  std::size_t libdw_rows = 0;    // rows as libdw gives them
  std::size_t gap_rows = 0;      // GAP rows added for holes and the end
  std::size_t unsupported = 0;   // rows whose rule the walker does not support
  std::size_t signal_fdes = 0;   // signal trampolines ("S" augmentation)
  std::size_t hostile_sections = 0;  // CFI sections refused (unwind/cfa_scan.h)
};

struct CfiTable {
  std::vector<CfiRow> rows;  // sorted by vaddr, neighbours differ, ends with a GAP row
  CfiStats stats;
};

// Builds the table of an open libelf handle. `name` only labels errors. A
// binary without CFI gives an empty table, not an error.
Result<CfiTable> build_cfi_table(Elf* elf, std::string_view name);

// The same from a file descriptor (not closed) or an in-memory image (the vDSO).
Result<CfiTable> build_cfi_table_fd(int fd, std::string_view name);
Result<CfiTable> build_cfi_table_image(std::span<const std::byte> image, std::string_view name);

}  // namespace profbufd::unwind
