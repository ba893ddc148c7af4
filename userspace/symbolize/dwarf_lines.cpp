#include "symbolize/dwarf_lines.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/fd.h"
#include "process/elf_layout.h"
#include "symbolize/demangle.h"
#include "symbolize/dwarf_scope_index.h"

namespace profbufd::symbolize {
namespace {

Error dwarf_error(std::string_view name, std::string_view why) {
  return make_error(ExitCode::kRuntime, "reading DWARF of " + std::string(name), std::string(why));
}

// Calls fn(scn, shdr, name) for each section of `elf` with a header and a
// name; false when the section names cannot be read.
template <typename Fn>
bool for_each_named_section(Elf* elf, Fn&& fn) {
  std::size_t shstrndx = 0;
  if (elf == nullptr || elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    if (const char* name = elf_strptr(elf, shstrndx, shdr.sh_name)) fn(scn, shdr, name);
  }
  return true;
}

std::string die_function_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  // _integrate: an inlined or out-of-line instance names itself through its
  // abstract origin (or a declaration's DW_AT_specification).
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (const char* s = dwarf_formstring(dwarf_attr_integrate(die, at, &attr)))
      return demangle(s);
  }
  const char* name = dwarf_diename(die);
  return name != nullptr ? std::string(name) : std::string("[unnamed inline]");
}

std::int64_t decl_line(Dwarf_Die* die) {
  int line = 0;
  return dwarf_decl_line(die, &line) == 0 && line > 0 ? line : 0;
}

// Where the inlined instance `die` was called from: a file of the CU's line
// table and a line.
void call_site(Dwarf_Die* die, Dwarf_Files* files, std::size_t nfiles, std::string& file,
               std::int64_t& line) {
  Dwarf_Attribute attr;
  Dwarf_Word v = 0;
  line = dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &v) == 0
             ? static_cast<std::int64_t>(v)
             : 0;
  file.clear();
  if (files != nullptr && dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &v) == 0 &&
      v < nfiles) {
    if (const char* f = dwarf_filesrc(files, v, nullptr, nullptr)) file = f;
  }
}

// DWARF 5 line tables may name files relative to the CU's directory.
std::string absolute(const char* file, const char* comp_dir) {
  if (file == nullptr || file[0] == '\0') return {};
  if (file[0] == '/' || comp_dir == nullptr || comp_dir[0] == '\0') return file;
  std::string out = comp_dir;
  if (out.back() != '/') out += '/';
  return out + file;
}

// Whether `name` is a DWARF section that libdw reads at dwarf_begin_elf (and
// inflates, when compressed) but that lines and inlined calls never need:
// location lists (where a variable lives), macros, call frames and the old
// name indexes. In python3.11's debug file .debug_loclists alone is 5.6 MB of
// its 22 MB inflated.
bool unread_section(const char* name) {
  static constexpr const char* kUnread[] = {
      ".debug_loc",      ".debug_loclists", ".debug_macro",        ".debug_macinfo",
      ".debug_frame",    ".debug_pubnames", ".debug_pubtypes",     ".debug_gnu_pubnames",
      ".debug_gnu_pubtypes"};
  for (const char* u : kUnread)
    if (std::strcmp(name, u) == 0) return true;
  return false;
}

// Marks the unread sections SHT_NOBITS in `elf`'s own copy of the section
// headers (ELF_C_READ_MMAP_PRIVATE: the file is untouched), which libdw skips
// as it would a stripped section.
void hide_unread_sections(Elf* elf) {
  for_each_named_section(elf, [](Elf_Scn* scn, GElf_Shdr shdr, const char* name) {
    if (shdr.sh_type == SHT_NOBITS || !unread_section(name)) return;
    shdr.sh_type = SHT_NOBITS;
    gelf_update_shdr(scn, &shdr);
  });
}

}  // namespace

std::size_t dwarf_bytes(Elf* elf) {
  std::size_t total = 0;
  for_each_named_section(elf, [&](Elf_Scn* scn, const GElf_Shdr& shdr, const char* name) {
    if (shdr.sh_type != SHT_PROGBITS || std::strncmp(name, ".debug_", 7) != 0 ||
        unread_section(name))
      return;
    GElf_Chdr chdr;
    const bool compressed =
        (shdr.sh_flags & SHF_COMPRESSED) != 0 && gelf_getchdr(scn, &chdr) != nullptr;
    total += compressed ? chdr.ch_size : shdr.sh_size;
  });
  return total;
}

bool has_dwarf_lines(Elf* elf) {
  bool info = false, line = false;
  for_each_named_section(elf, [&](Elf_Scn*, const GElf_Shdr& shdr, const char* name) {
    if (shdr.sh_type != SHT_PROGBITS || shdr.sh_size == 0) return;
    info = info || std::strcmp(name, ".debug_info") == 0;
    line = line || std::strcmp(name, ".debug_line") == 0;
  });
  return info && line;
}

Result<std::unique_ptr<DwarfLines>> DwarfLines::open(int fd, std::string_view name,
                                                     std::size_t max_bytes, bool& over_budget) {
  init_libelf();
  over_budget = false;
  Fd own = Fd::duplicate(fd);
  if (!own) return dwarf_error(name, std::strerror(errno));
  std::unique_ptr<Elf, decltype(&elf_end)> elf(
      elf_begin(own.get(), ELF_C_READ_MMAP_PRIVATE, nullptr), &elf_end);
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF || !has_dwarf_lines(elf.get()))
    return dwarf_error(name, "no DWARF line information");
  const std::size_t bytes = dwarf_bytes(elf.get());
  if (bytes > max_bytes) {
    over_budget = true;
    return dwarf_error(name, std::to_string(bytes >> 20) + " MiB of DWARF is over the budget of " +
                                 std::to_string(max_bytes >> 20) + " MiB");
  }
  hide_unread_sections(elf.get());
  Dwarf* dw = dwarf_begin_elf(elf.get(), DWARF_C_READ, nullptr);
  if (dw == nullptr) return dwarf_error(name, dwarf_errmsg(-1));
  return std::unique_ptr<DwarfLines>(new DwarfLines(own.release(), elf.release(), dw, bytes));
}

std::size_t DwarfLines::bytes_of(int fd) {
  init_libelf();
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  const std::size_t n = elf != nullptr && elf_kind(elf) == ELF_K_ELF ? dwarf_bytes(elf) : 0;
  if (elf != nullptr) elf_end(elf);
  return n;
}

DwarfLines::~DwarfLines() {
  dwarf_end(dw_);
  elf_end(elf_);
  ::close(fd_);
}

std::vector<SourceLine> DwarfLines::lookup(std::uint64_t vaddr) {
  std::vector<SourceLine> out;
  Dwarf_Die cu;
  if (dwarf_addrdie(dw_, vaddr, &cu) == nullptr) return out;
  Dwarf_Line* row = dwarf_getsrc_die(&cu, vaddr);
  if (row == nullptr) return out;
  Dwarf_Attribute attr;
  const char* comp_dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
  std::string file = absolute(dwarf_linesrc(row, nullptr, nullptr), comp_dir);
  int lineno = 0;
  dwarf_lineno(row, &lineno);
  std::int64_t line = lineno > 0 ? lineno : 0;

  Dwarf_Files* files = nullptr;
  std::size_t nfiles = 0;
  if (dwarf_getsrcfiles(&cu, &files, &nfiles) != 0) files = nullptr;
  // The functions at vaddr, outermost first, from the CU's index.
  auto [it, fresh] = cus_.try_emplace(dwarf_dieoffset(&cu));
  if (fresh) it->second = DwarfScopeIndex::build(&cu);
  const std::vector<Dwarf_Off> chain = it->second.chain(vaddr);
  for (std::size_t i = chain.size(); i-- > 0;) {
    Dwarf_Die s;
    if (dwarf_offdie(dw_, chain[i], &s) == nullptr) break;
    out.push_back(SourceLine{die_function_name(&s), file, line, decl_line(&s)});
    if (dwarf_tag(&s) != DW_TAG_inlined_subroutine) break;
    call_site(&s, files, nfiles, file, line);
    file = absolute(file.c_str(), comp_dir);
  }
  // A CU that covers the address with a line but no function DIE (assembly):
  // the line alone still says where the code is.
  if (out.empty()) out.push_back(SourceLine{std::string(), file, line, 0});
  return out;
}

}  // namespace profbufd::symbolize
