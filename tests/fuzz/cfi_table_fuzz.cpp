// Unwind-table building (unwind/cfi_rows.h) on mutated CFI: every binary a
// profiled process maps has its .eh_frame read, and any user can map a file of
// their making. The harness wraps the input in a fixed x86-64 ELF so that the
// fuzzer spends its effort on CIEs, FDEs and their programs, not on ELF
// headers (elf_symbols_fuzz.cpp mutates those).
//
// Input: a flags byte (bit 0: an .eh_frame, bit 1: a .debug_frame), the
// .eh_frame's vaddr (4 bytes, little-endian: its FDEs' pc-relative addresses
// depend on it), the length of the .eh_frame part (2 bytes), then the
// sections' bytes. The table must come out as cfi_rows.h promises: sorted,
// neighbours different, ending with a GAP row.
#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "unwind/cfi_rows.h"

using namespace profbufd::unwind;

namespace {

struct Input {
  std::string_view eh, dbg;
  std::uint64_t eh_addr = 0;
};

bool parse(const std::uint8_t* data, std::size_t size, Input& in) {
  if (size < 7) return false;
  const std::uint8_t flags = data[0];
  std::uint32_t addr = 0;
  std::uint16_t eh_len = 0;
  std::memcpy(&addr, data + 1, 4);
  std::memcpy(&eh_len, data + 5, 2);
  const std::string_view rest(reinterpret_cast<const char*>(data + 7), size - 7);
  const std::size_t cut = flags & 2 ? std::min<std::size_t>(eh_len, rest.size()) : rest.size();
  if (flags & 1) in.eh = rest.substr(0, cut);
  if (flags & 2) in.dbg = rest.substr(cut);
  in.eh_addr = addr;
  return true;
}

void append(std::string& out, const void* p, std::size_t n) {
  out.append(static_cast<const char*>(p), n);
}

// An ELF64 x86-64 shared object with no program headers: .text, then the CFI
// sections, then .shstrtab and the section headers.
std::string elf_image(const Input& in) {
  static constexpr char kNames[] = "\0.text\0.eh_frame\0.debug_frame\0.shstrtab";
  enum : std::uint32_t { kText = 1, kEh = 7, kDbg = 17, kShstr = 30 };
  std::string img(sizeof(Elf64_Ehdr), '\0');
  Elf64_Shdr sh[5]{};
  const auto section = [&](Elf64_Shdr& s, std::uint32_t name, std::string_view bytes,
                           std::uint64_t addr, std::uint64_t flags) {
    s.sh_name = name;
    s.sh_type = SHT_PROGBITS;
    s.sh_flags = flags;
    s.sh_addr = addr;
    s.sh_offset = img.size();
    s.sh_size = bytes.size();
    s.sh_addralign = 1;
    img.append(bytes);
  };
  section(sh[1], kText, std::string(16, '\xc3'), 0x1000, SHF_ALLOC | SHF_EXECINSTR);
  int n = 2;
  if (in.eh.data() != nullptr) section(sh[n++], kEh, in.eh, in.eh_addr, SHF_ALLOC);
  if (in.dbg.data() != nullptr) section(sh[n++], kDbg, in.dbg, 0, 0);
  section(sh[n], kShstr, std::string_view(kNames, sizeof kNames), 0, 0);
  sh[n].sh_type = SHT_STRTAB;
  const std::uint64_t shoff = img.size();
  append(img, sh, sizeof(Elf64_Shdr) * static_cast<std::size_t>(n + 1));

  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_DYN;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_shoff = shoff;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = static_cast<std::uint16_t>(n + 1);
  eh.e_shstrndx = static_cast<std::uint16_t>(n);
  std::memcpy(img.data(), &eh, sizeof eh);
  return img;
}

void check(const CfiTable& t) {
  if (t.rows.empty()) return;
  if (t.rows.back().rule.cfa_kind != UW_CMD_GAP) std::abort();
  for (std::size_t i = 1; i < t.rows.size(); ++i) {
    if (t.rows[i].vaddr <= t.rows[i - 1].vaddr) std::abort();
    if (same_rule(t.rows[i].rule, t.rows[i - 1].rule)) std::abort();
  }
  // Merging only ever drops rows.
  if (t.rows.size() > t.stats.libdw_rows + t.stats.gap_rows) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in;
  if (!parse(data, size, in)) return 0;
  const std::string img = elf_image(in);
  const auto table = build_cfi_table_image(
      std::span(reinterpret_cast<const std::byte*>(img.data()), img.size()), "fuzz.elf");
  if (table) check(*table);
  return 0;
}
