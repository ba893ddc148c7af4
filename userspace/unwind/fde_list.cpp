#include "unwind/fde_list.h"

#include "unwind/cfa_scan.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <libelf.h>

#include <cstring>
#include <type_traits>
#include <unordered_map>

namespace profbufd::unwind {
namespace {

template <typename T>
bool fixed(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& out) {
  if (static_cast<std::size_t>(end - p) < sizeof(T)) return false;
  T v;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  if constexpr (std::is_signed_v<T>)
    out = static_cast<std::uint64_t>(static_cast<std::int64_t>(v));  // sign-extended
  else
    out = v;
  return true;
}

}  // namespace

bool read_leb128(const std::uint8_t*& p, const std::uint8_t* end, bool sign, std::uint64_t& out) {
  std::uint64_t v = 0;
  unsigned shift = 0;
  std::uint8_t b = 0;
  do {
    if (p == end || shift >= 64) return false;
    b = *p++;
    v |= std::uint64_t{b & 0x7fu} << shift;
    shift += 7;
  } while (b & 0x80);
  if (sign && shift < 64 && (b & 0x40)) v |= ~std::uint64_t{0} << shift;
  out = v;
  return true;
}

bool skip_block(const std::uint8_t*& p, const std::uint8_t* end) {
  std::uint64_t len = 0;
  if (!read_leb128(p, end, false, len) || static_cast<std::uint64_t>(end - p) < len) return false;
  p += len;
  return true;
}

namespace {

// The FDE pointer encoding a CIE's augmentation gives ('R'), absptr if none.
std::uint8_t fde_encoding(const Dwarf_CIE& cie) {
  const char* aug = cie.augmentation;
  if (aug == nullptr || aug[0] != 'z' || cie.augmentation_data == nullptr) return DW_EH_PE_absptr;
  const std::uint8_t* p = cie.augmentation_data;
  const std::uint8_t* end = p + cie.augmentation_data_size;
  for (const char* a = aug + 1; *a && p < end; ++a) {
    if (*a == 'R') return *p;
    if (*a == 'L') {
      ++p;
    } else if (*a == 'P') {
      const std::uint8_t enc = *p++;
      std::uint64_t personality;
      if (!read_encoded(p, end, enc & 0x7f, 0, personality)) return DW_EH_PE_absptr;
    } else if (*a != 'S' && *a != 'B') {
      break;  // unknown augmentation: the rest cannot be parsed
    }
  }
  return DW_EH_PE_absptr;
}

struct CieInfo {
  std::uint8_t encoding = DW_EH_PE_absptr;
  bool augmentation_data = false;  // "z": its FDEs have augmentation data too
  unsigned depth = 0;              // remember_state depth its program leaves
};

// The start of an FDE's instructions: after its address range (at p) and
// its augmentation data.
bool fde_instructions(const std::uint8_t*& p, const std::uint8_t* end, const CieInfo& cie) {
  return !cie.augmentation_data || skip_block(p, end);
}

}  // namespace

bool read_encoded(const std::uint8_t*& p, const std::uint8_t* end, std::uint8_t encoding,
                  std::uint64_t field_vaddr, std::uint64_t& out) {
  // An indirect value is the address of the pointer, which is not read here.
  if (encoding == DW_EH_PE_omit || (encoding & DW_EH_PE_indirect) != 0) return false;
  std::uint64_t v = 0;
  bool ok = false;
  switch (encoding & 0x0f) {
    case DW_EH_PE_absptr: ok = fixed<std::uint64_t>(p, end, v); break;
    case DW_EH_PE_udata2: ok = fixed<std::uint16_t>(p, end, v); break;
    case DW_EH_PE_udata4: ok = fixed<std::uint32_t>(p, end, v); break;
    case DW_EH_PE_udata8: ok = fixed<std::uint64_t>(p, end, v); break;
    case DW_EH_PE_sdata2: ok = fixed<std::int16_t>(p, end, v); break;
    case DW_EH_PE_sdata4: ok = fixed<std::int32_t>(p, end, v); break;
    case DW_EH_PE_sdata8: ok = fixed<std::int64_t>(p, end, v); break;
    case DW_EH_PE_uleb128: ok = read_leb128(p, end, false, v); break;
    case DW_EH_PE_sleb128: ok = read_leb128(p, end, true, v); break;
    default: return false;
  }
  if (!ok) return false;
  switch (encoding & 0x70) {
    case DW_EH_PE_absptr: break;
    case DW_EH_PE_pcrel: v += field_vaddr; break;
    default: return false;  // datarel, textrel, funcrel: not used by x86-64 toolchains
  }
  out = v;
  return true;
}

void list_fdes(Elf* elf, const Elf_Data* data, std::uint64_t sh_addr, bool eh,
               std::vector<FdeRange>& out, FdeListStats& stats) {
  std::size_t idlen = 0;
  const auto* ident = reinterpret_cast<const unsigned char*>(elf_getident(elf, &idlen));
  const auto* base = static_cast<const std::uint8_t*>(data->d_buf);
  std::unordered_map<Dwarf_Off, CieInfo> cies;
  for (Dwarf_Off off = 0, next = 0; off != static_cast<Dwarf_Off>(-1); off = next) {
    Dwarf_CFI_Entry e;
    const int r = dwarf_next_cfi(ident, const_cast<Elf_Data*>(data), eh, off, &next, &e);
    if (r == 1) break;  // end of section
    if (r != 0) {
      ++stats.bad;
      if (next == off || next == static_cast<Dwarf_Off>(-1)) break;
      continue;
    }
    if (dwarf_cfi_cie_p(&e)) {
      CieInfo cie;
      cie.encoding = eh ? fde_encoding(e.cie) : std::uint8_t{DW_EH_PE_absptr};
      cie.augmentation_data = e.cie.augmentation != nullptr && e.cie.augmentation[0] == 'z';
      if (!cfa_program_safe(e.cie.initial_instructions, e.cie.initial_instructions_end,
                            cie.encoding, cie.depth)) {
        stats.hostile = true;
        return;
      }
      cies[off] = cie;
      continue;
    }
    ++stats.fdes;
    const auto it = cies.find(e.fde.CIE_pointer);
    if (it == cies.end()) {  // libdw would find it; its program was not checked
      stats.hostile = true;
      return;
    }
    const CieInfo& cie = it->second;
    const std::uint8_t* p = e.fde.start;
    std::uint64_t lo = 0, len = 0;
    const std::uint64_t field = sh_addr + static_cast<std::uint64_t>(p - base);
    // A range past the top of the address space would wrap [lo, hi).
    if (!read_encoded(p, e.fde.end, cie.encoding, field, lo) ||
        !read_encoded(p, e.fde.end, cie.encoding & 0x0f, 0, len) || len > ~lo) {
      ++stats.bad;
      continue;
    }
    unsigned depth = cie.depth;
    if (!fde_instructions(p, e.fde.end, cie) ||
        !cfa_program_safe(p, e.fde.end, cie.encoding, depth)) {
      stats.hostile = true;
      return;
    }
    if (len > 0 && lo != 0) out.push_back(FdeRange{lo, lo + len, eh});
  }
}

}  // namespace profbufd::unwind
