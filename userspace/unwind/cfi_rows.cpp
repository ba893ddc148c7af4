#include "unwind/cfi_rows.h"

#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "process/elf_layout.h"
#include "unwind/fde_list.h"
#include "unwind/rule_classify.h"

namespace profbufd::unwind {
namespace {

Error cfi_error(std::string_view name, std::string_view why) {
  return make_error(ExitCode::kRuntime, "reading unwind tables of " + std::string(name),
                    std::string(why));
}

struct CfiSections {
  Elf_Data* eh_frame = nullptr;
  std::uint64_t eh_addr = 0;
  Elf_Data* debug_frame = nullptr;
};

CfiSections find_sections(Elf* elf) {
  CfiSections s;
  std::size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return s;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    // GNU ld keeps .eh_frame's type from its inputs: SHT_X86_64_UNWIND when
    // LLVM (clang, Rust) made them.
    if (gelf_getshdr(scn, &sh) == nullptr ||
        (sh.sh_type != SHT_PROGBITS && sh.sh_type != SHT_X86_64_UNWIND))
      continue;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name == nullptr) continue;
    if (std::strcmp(name, ".eh_frame") == 0) {
      s.eh_frame = elf_getdata(scn, nullptr);
      s.eh_addr = sh.sh_addr;
    } else if (std::strcmp(name, ".debug_frame") == 0 && !(sh.sh_flags & SHF_COMPRESSED)) {
      s.debug_frame = elf_rawdata(scn, nullptr);
    }
  }
  return s;
}

// .eh_frame's FDEs, and .debug_frame's where .eh_frame has none; sorted.
std::vector<FdeRange> merge_fdes(std::vector<FdeRange> eh, const std::vector<FdeRange>& dbg) {
  const auto by_lo = [](const FdeRange& a, const FdeRange& b) { return a.lo < b.lo; };
  std::vector<FdeRange> all = std::move(eh);  // its first n_eh stay .eh_frame's, sorted
  std::sort(all.begin(), all.end(), by_lo);
  const std::size_t n_eh = all.size();
  for (const FdeRange& f : dbg) {
    const auto first = all.begin(), last = all.begin() + static_cast<std::ptrdiff_t>(n_eh);
    auto it = std::upper_bound(first, last, f, by_lo);
    const bool overlaps =
        (it != last && it->lo < f.hi) || (it != first && std::prev(it)->hi > f.lo);
    if (!overlaps) all.push_back(f);
  }
  std::sort(all.begin(), all.end(), by_lo);
  return all;
}

uw_rule gap() {
  uw_rule r{};
  r.cfa_kind = UW_CMD_GAP;
  return r;
}

// Appends `r` to rows built in address order, merging as it goes (one vector
// for the whole table, not a raw one and a merged copy): a row with the rule
// of the one before adds nothing, and a row at the address of the one before
// replaces it (the later row at one address is kept).
void append_merged(std::vector<CfiRow>& rows, const CfiRow& r) {
  if (!rows.empty() && same_rule(rows.back().rule, r.rule)) return;
  if (!rows.empty() && rows.back().vaddr == r.vaddr) {
    rows.back() = r;
    return;
  }
  rows.push_back(r);
}

// The rows of one FDE, [lo, hi): one per range libdw reports. From where libdw
// cannot read it on, a GAP row: frames there fall back to frame pointers
// rather than take the rule of the code before.
void fde_rows(Dwarf_CFI* cfi, const FdeRange& f, std::vector<CfiRow>& rows, CfiStats& st) {
  for (std::uint64_t pc = f.lo; pc < f.hi;) {
    Dwarf_Frame* frame = nullptr;
    if (dwarf_cfi_addrframe(cfi, pc, &frame) != 0) {
      ++st.bad_fdes;
      append_merged(rows, CfiRow{pc, gap()});
      ++st.gap_rows;
      return;
    }
    std::unique_ptr<Dwarf_Frame, decltype(&std::free)> owned(frame, &std::free);
    Dwarf_Addr start = 0, end = 0;
    bool signal = false;
    dwarf_frame_info(frame, &start, &end, &signal);
    const uw_rule rule = classify(frame, signal);
    if (signal && pc == f.lo) ++st.signal_fdes;
    if (rule.cfa_kind >= UW_CMD_BAD_CFA_REG) ++st.unsupported;
    append_merged(rows, CfiRow{pc, rule});
    ++st.libdw_rows;
    if (end <= pc) return;
    pc = end;
  }
}

// Every FDE's rows in address order, merged (append_merged), with GAP rows
// over the holes between FDEs and after the last.
std::vector<CfiRow> all_rows(const std::vector<FdeRange>& fdes, Dwarf_CFI* eh, Dwarf_CFI* dbg,
                             CfiStats& st) {
  std::vector<CfiRow> rows;
  rows.reserve(fdes.size() * 4);  // node has 3.6 rows per FDE, libc 6.3, libpython 11
  std::uint64_t prev_hi = 0;
  for (FdeRange f : fdes) {
    if (f.lo < prev_hi) {  // overlapping FDEs: the earlier one's rows win
      if (f.hi <= prev_hi) continue;
      f.lo = prev_hi;
    } else if (prev_hi != 0 && f.lo - prev_hi > kMaxPadding) {
      append_merged(rows, CfiRow{prev_hi, gap()});
      ++st.gap_rows;
    }
    Dwarf_CFI* cfi = f.eh ? eh : dbg;
    if (cfi != nullptr) fde_rows(cfi, f, rows, st);
    prev_hi = f.hi;
  }
  if (prev_hi != 0) {
    append_merged(rows, CfiRow{prev_hi, gap()});
    ++st.gap_rows;
  }
  // A table may wait in memory for room (the Unwinder's deferred builds).
  if (rows.capacity() > rows.size() + rows.size() / 4) rows.shrink_to_fit();
  return rows;
}

}  // namespace

Result<CfiTable> build_cfi_table(Elf* elf, std::string_view name) {
  if (elf_kind(elf) != ELF_K_ELF) return cfi_error(name, "not an ELF file");
  CfiTable t;
  const CfiSections s = find_sections(elf);
  std::vector<FdeRange> eh, dbg;
  FdeListStats fst;
  std::unique_ptr<Dwarf, decltype(&dwarf_end)> dw(nullptr, &dwarf_end);
  Dwarf_CFI* eh_cfi = nullptr;
  Dwarf_CFI* dbg_cfi = nullptr;
  // A hostile section (fde_list.h) is not handed to libdw at all: its code
  // unwinds by frame pointers.
  const auto hostile = [&](std::vector<FdeRange>& fdes) {
    if (!fst.hostile) return false;
    fst.hostile = false;
    fdes.clear();
    ++t.stats.hostile_sections;
    return true;
  };
  if (s.eh_frame != nullptr) {
    t.stats.eh_frame_bytes = s.eh_frame->d_size;
    list_fdes(elf, s.eh_frame, s.eh_addr, true, eh, fst);
    if (!hostile(eh)) eh_cfi = dwarf_getcfi_elf(elf);
  }
  if (s.debug_frame != nullptr) {
    t.stats.debug_frame_bytes = s.debug_frame->d_size;
    list_fdes(elf, s.debug_frame, 0, false, dbg, fst);
    if (!hostile(dbg)) {
      dw.reset(dwarf_begin_elf(elf, DWARF_C_READ, nullptr));
      if (dw) dbg_cfi = dwarf_getcfi(dw.get());
      if (dbg_cfi == nullptr) dbg.clear();
    }
  }
  t.stats.fdes = fst.fdes;
  t.stats.bad_fdes = fst.bad;
  t.rows = all_rows(merge_fdes(std::move(eh), dbg), eh_cfi, dbg_cfi, t.stats);
  if (eh_cfi != nullptr) dwarf_cfi_end(eh_cfi);
  return t;
}

Result<CfiTable> build_cfi_table_fd(int fd, std::string_view name) {
  init_libelf();
  std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr), &elf_end);
  if (!elf) return cfi_error(name, elf_errmsg(-1));
  return build_cfi_table(elf.get(), name);
}

Result<CfiTable> build_cfi_table_image(std::span<const std::byte> image, std::string_view name) {
  init_libelf();
  // elf_memory does not write to the image with ELF_C_READ semantics.
  char* base = reinterpret_cast<char*>(const_cast<std::byte*>(image.data()));
  std::unique_ptr<Elf, decltype(&elf_end)> elf(elf_memory(base, image.size()), &elf_end);
  if (!elf) return cfi_error(name, elf_errmsg(-1));
  return build_cfi_table(elf.get(), name);
}

}  // namespace profbufd::unwind
