// Function symbols, load segments and the GNU build ID of one ELF file, read with
// elfutils libelf and then held in compact form (the ELF file is closed again).
//
// Symbols: STT_FUNC and STT_GNU_IFUNC entries of .symtab and .dynsym, merged (a
// stripped library only has .dynsym), defined (not SHN_UNDEF) and non-zero. Among
// aliases at one address one name is kept: a sized symbol over an unsized one,
// then global over weak over local, then fewer leading underscores, then the
// shorter name. Names are kept mangled in one string arena and demangled by the
// caller, once per unique address.
//
// A binary without .symtab (stripped, as distributions ship them) may have a
// separate debug file (symbolize/debug_file.h): given a DebugOpener, load_fd
// asks it for that file and adds its .symtab. The binary's own symbol wins a
// tie with the debug file's, so a name counts as from the debug file only
// when the binary alone could not give it.
//
// Address translation: see process/elf_layout.h.
//
// Invariants: symbols_ sorted by start, starts unique; segments_ in file order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/fd.h"
#include "process/elf_layout.h"
#include "symbolize/debug_file.h"
#include "symbolize/string_arena.h"

namespace profbufd::symbolize {

struct ElfSymbol {
  std::string_view name;     // mangled; valid while the ElfSymbols lives
  std::uint64_t start = 0;   // ELF virtual address
  std::uint64_t size = 0;    // 0 if the symbol table gave none
  std::uint64_t offset = 0;  // looked-up address - start
  bool from_debug_file = false;
};

// The separate debug file of a binary, opened; an invalid fd when there is none.
struct DebugFile {
  Fd fd;
  bool remote = false;  // fetched from a debuginfod server
};
// Opens the debug file of a binary with this build ID ("" if none) and
// .gnu_debuglink.
using DebugOpener =
    std::function<DebugFile(std::string_view build_id, const std::optional<DebugLink>& link)>;

class ElfSymbols {
 public:
  // Reads the ELF file open at `fd` (not closed; the caller owns it). `name` only
  // labels errors. Errors (kRuntime) for non-ELF input or a corrupt file; a
  // valid ELF file without symbols is not an error (lookups then miss).
  static Result<ElfSymbols> load_fd(int fd, std::string_view name,
                                    const DebugOpener& debug = {});
  static Result<ElfSymbols> load(const std::string& path);

  // The ELF virtual address that `file_offset` holds, or nullopt if no PT_LOAD
  // segment covers it. Executable segments are preferred where old layouts let a
  // page belong to two segments.
  std::optional<std::uint64_t> file_offset_to_vaddr(std::uint64_t file_offset) const {
    return layout_.file_offset_to_vaddr(file_offset);
  }

  // The function containing `vaddr`: the symbol with the greatest start <= vaddr,
  // if vaddr < start + size, or, for a symbol of size 0, if vaddr is still inside
  // the load segment holding the symbol (the nearest preceding symbol).
  std::optional<ElfSymbol> find(std::uint64_t vaddr) const;

  const std::string& build_id() const { return layout_.build_id; }  // lowercase hex or ""
  const std::vector<LoadSegment>& segments() const { return layout_.segments; }
  std::size_t size() const { return symbols_.size(); }
  // Whether a separate debug file was found and read.
  bool has_debug_file() const { return has_debug_file_; }
  bool debug_file_remote() const { return debug_file_remote_; }
  // Which file holds DWARF line information (symbolize/dwarf_lines.h): the
  // binary itself (built with -g), its separate debug file, or none.
  enum class DwarfIn : std::uint8_t { kNone, kBinary, kDebugFile };
  DwarfIn dwarf() const { return dwarf_; }
  // The debug file, kept open when dwarf() == kDebugFile; the caller takes it.
  Fd take_debug_fd() { return std::move(debug_fd_); }
  std::size_t memory_bytes() const;

 private:
  struct Symbol {
    std::uint64_t start;
    std::uint32_t size;  // functions are far below 4 GiB; larger is clamped
    std::uint32_t name;  // arena offset, | kFromDebug when the debug file gave it
  };
  static constexpr std::uint32_t kFromDebug = 1u << 31;
  friend class ElfReader;

  std::vector<Symbol> symbols_;
  ElfLayout layout_;
  StringArena arena_;
  bool has_debug_file_ = false;
  bool debug_file_remote_ = false;
  DwarfIn dwarf_ = DwarfIn::kNone;
  Fd debug_fd_;
};

}  // namespace profbufd::symbolize
