// Source lines and inlined calls of code addresses, from an ELF file's DWARF
// (.debug_info, .debug_line), read with elfutils libdw.
//
// lookup(vaddr) answers what `eu-addr2line -i -f` does: the chain of functions
// whose code is at vaddr, innermost first. The first entry is the function the
// instruction belongs to (possibly inlined), at the line of the instruction;
// each next one is the function it was inlined into, at the line of that
// inlined call; the last is the out-of-line function (DW_TAG_subprogram).
//
// Memory: libdw reads the DWARF sections (inflating SHF_COMPRESSED ones, as
// Debian's debug files have them, all at once; open() hides from it those that
// lines and inlines never read, location lists above all, so they are neither
// inflated nor counted) and parses the CUs that lookups
// touch (their line tables, abbreviations, and this class's index). open()
// refuses a file whose DWARF is over a budget; the rest grows with the CUs
// touched, so the symbolizer opens a DwarfLines while it symbolizes one
// profile and closes it at the end (Symbolizer::end_profile): what it keeps
// between profiles is the answers.
//
// Hostile input: a corrupt file yields no lines for the addresses it breaks,
// never a crash; the inline chain is bounded by kMaxInlineDepth.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "model/profile.h"
#include "symbolize/dwarf_scope_index.h"


namespace profbufd::symbolize {

inline constexpr std::size_t kMaxInlineDepth = 64;

class DwarfLines {
 public:
  // Reads the ELF file open at `fd` (duplicated: the caller keeps its own).
  // Errors (kRuntime) when it is not ELF, has no DWARF, or more DWARF than
  // `max_bytes` (then `over_budget` is set). `name` labels errors.
  static Result<std::unique_ptr<DwarfLines>> open(int fd, std::string_view name,
                                                  std::size_t max_bytes, bool& over_budget);
  ~DwarfLines();
  DwarfLines(const DwarfLines&) = delete;
  DwarfLines& operator=(const DwarfLines&) = delete;

  // Innermost first; empty when no CU or line covers vaddr (an ELF virtual
  // address). Function names are demangled linkage names where DWARF has
  // them, else DW_AT_name.
  // Indexes each CU it touches once (symbolize/dwarf_scope_index.h).
  std::vector<SourceLine> lookup(std::uint64_t vaddr);

  // What bytes() of the ELF file at `fd` would be; 0 if it is not ELF.
  static std::size_t bytes_of(int fd);

  // The bytes of the DWARF sections libdw is given, uncompressed: what it
  // holds in memory once it has read them (Debian compresses them, so libdw
  // inflates them all).
  std::size_t bytes() const { return bytes_; }

 private:
  DwarfLines(int fd, Elf* elf, Dwarf* dw, std::size_t bytes)
      : fd_(fd), elf_(elf), dw_(dw), bytes_(bytes) {}
  int fd_;
  Elf* elf_;
  Dwarf* dw_;
  std::size_t bytes_;
  std::unordered_map<std::uint64_t, DwarfScopeIndex> cus_;  // by CU DIE offset
};

// Whether the ELF file has DWARF worth opening (.debug_info and .debug_line
// with contents, not SHT_NOBITS placeholders).
bool has_dwarf_lines(Elf* elf);

}  // namespace profbufd::symbolize
