// How an ELF file is laid out in memory: its PT_LOAD segments and its GNU build
// ID, the two things both the unwinder (tables in ELF vaddr space, keyed by build
// ID) and the symbolizer need of every binary a process maps.
//
// Address translation: a process maps file offsets, not ELF addresses. For a
// runtime address in a mapping [start, end) of file offset `offset`,
//   file_offset = addr - start + offset
//   elf_vaddr   = file_offset - seg.p_offset + seg.p_vaddr
// where seg is the PT_LOAD segment holding that file offset; so the mapping's
// load bias (runtime address - ELF vaddr) is start - offset + p_offset -
// p_vaddr. This is right for PIE executables, shared libraries and non-PIE
// executables (python3.11 and node on Debian are ET_EXEC) alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

typedef struct Elf Elf;

namespace profbufd {

struct LoadSegment {
  std::uint64_t offset = 0;  // p_offset
  std::uint64_t vaddr = 0;   // p_vaddr
  std::uint64_t filesz = 0;  // p_filesz
  bool exec = false;         // PF_X
};

struct ElfLayout {
  std::vector<LoadSegment> segments;  // PT_LOAD, in file order
  std::string build_id;               // lowercase hex, "" if none

  // The ELF vaddr that `file_offset` holds, or nullopt if no PT_LOAD segment
  // covers it. Executable segments are preferred where old layouts let a page
  // belong to two segments.
  std::optional<std::uint64_t> file_offset_to_vaddr(std::uint64_t file_offset) const;
  // The load bias of a mapping of file offset `map_offset` at `map_start`, or
  // nullopt if no segment covers that offset.
  std::optional<std::uint64_t> load_bias(std::uint64_t map_start, std::uint64_t map_offset) const;
};

// Initializes libelf once per process (thread-safe).
void init_libelf();

// Reads the layout of an open libelf handle. `name` only labels errors.
Result<ElfLayout> read_elf_layout(Elf* elf, std::string_view name);

// The GNU build ID of the notes in `data` (an Elf_Data of notes), or "".
std::string build_id_of_notes(const void* elf_data);

}  // namespace profbufd
