#include "process/elf_layout.h"

#include <elf.h>
#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <mutex>

namespace profbufd {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    s.push_back(kDigits[p[i] >> 4]);
    s.push_back(kDigits[p[i] & 0xf]);
  }
  return s;
}

Error elf_error(std::string_view name, std::string_view why) {
  return make_error(ExitCode::kRuntime, "reading ELF file " + std::string(name), std::string(why));
}

// The build ID from the PT_NOTE segments (what a loaded binary has).
std::string build_id_of_segments(Elf* elf) {
  std::size_t n = 0;
  if (elf_getphdrnum(elf, &n) != 0) return {};
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_NOTE) continue;
    // Notes aligned to 8 use the 8-byte padding rules (ELF_T_NHDR8).
    Elf_Data* data = elf_getdata_rawchunk(elf, static_cast<int64_t>(ph.p_offset), ph.p_filesz,
                                          ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
    if (std::string id = build_id_of_notes(data); !id.empty()) return id;
  }
  return {};
}

// The build ID from SHT_NOTE sections (separate debug files have no PT_NOTE).
std::string build_id_of_sections(Elf* elf) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_NOTE) continue;
    if (std::string id = build_id_of_notes(elf_getdata(scn, nullptr)); !id.empty()) return id;
  }
  return {};
}

}  // namespace

void init_libelf() {
  static std::once_flag once;
  std::call_once(once, [] { elf_version(EV_CURRENT); });
}

std::string build_id_of_notes(const void* elf_data) {
  const auto* data = static_cast<const Elf_Data*>(elf_data);
  if (data == nullptr) return {};
  std::size_t pos = 0, name_at = 0, desc_at = 0;
  GElf_Nhdr nhdr;
  while (pos < data->d_size) {
    const std::size_t next =
        gelf_getnote(const_cast<Elf_Data*>(data), pos, &nhdr, &name_at, &desc_at);
    if (next == 0) return {};
    const auto* base = static_cast<const unsigned char*>(data->d_buf);
    if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
        std::memcmp(base + name_at, "GNU", 4) == 0 && nhdr.n_descsz > 0)
      return hex(base + desc_at, nhdr.n_descsz);
    pos = next;
  }
  return {};
}

Result<ElfLayout> read_elf_layout(Elf* elf, std::string_view name) {
  if (elf_kind(elf) != ELF_K_ELF) return elf_error(name, "not an ELF file");
  ElfLayout layout;
  std::size_t n = 0;
  if (elf_getphdrnum(elf, &n) != 0) return elf_error(name, elf_errmsg(-1));
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_LOAD) continue;
    layout.segments.push_back(
        LoadSegment{ph.p_offset, ph.p_vaddr, ph.p_filesz, (ph.p_flags & PF_X) != 0});
  }
  layout.build_id = build_id_of_segments(elf);
  if (layout.build_id.empty()) layout.build_id = build_id_of_sections(elf);
  return layout;
}

std::optional<std::uint64_t> ElfLayout::file_offset_to_vaddr(std::uint64_t file_offset) const {
  for (const bool want_exec : {true, false}) {
    for (const LoadSegment& s : segments) {
      if (s.exec != want_exec) continue;
      if (file_offset >= s.offset && file_offset - s.offset < s.filesz)
        return file_offset - s.offset + s.vaddr;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ElfLayout::load_bias(std::uint64_t map_start,
                                                  std::uint64_t map_offset) const {
  // A mapping starts at a page-aligned offset, which may lie a little before
  // its segment's p_offset (the page holding the segment's start).
  for (const bool want_exec : {true, false}) {
    for (const LoadSegment& s : segments) {
      if (s.exec != want_exec) continue;
      const std::uint64_t page_start = s.offset & ~std::uint64_t{0xfff};
      if (map_offset >= page_start && map_offset < s.offset + s.filesz)
        return map_start - map_offset + s.offset - s.vaddr;
    }
  }
  return std::nullopt;
}

}  // namespace profbufd
