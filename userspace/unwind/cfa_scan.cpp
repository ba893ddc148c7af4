#include "unwind/cfa_scan.h"

#include <dwarf.h>

#include "unwind/fde_list.h"

namespace profbufd::unwind {
namespace {

// The operands after an extended opcode's register (if any), in DWARF order.
enum class Ops { kNone, kReg, kRegU, kRegS, kRegReg, kRegBlock, kU, kS, kBlock, kFixed1, kFixed2, kFixed4 };

// The operand layout of each DW_CFA_* opcode below 0x40; false if undefined.
bool layout(std::uint8_t op, Ops& ops) {
  switch (op) {
    case DW_CFA_nop: case DW_CFA_remember_state: case DW_CFA_restore_state:
    case DW_CFA_GNU_window_save: ops = Ops::kNone; return true;
    case DW_CFA_advance_loc1: ops = Ops::kFixed1; return true;
    case DW_CFA_advance_loc2: ops = Ops::kFixed2; return true;
    case DW_CFA_advance_loc4: ops = Ops::kFixed4; return true;
    case DW_CFA_restore_extended: case DW_CFA_undefined: case DW_CFA_same_value:
    case DW_CFA_def_cfa_register: ops = Ops::kReg; return true;
    case DW_CFA_offset_extended: case DW_CFA_def_cfa: case DW_CFA_val_offset:
    case DW_CFA_GNU_negative_offset_extended: ops = Ops::kRegU; return true;
    case DW_CFA_offset_extended_sf: case DW_CFA_def_cfa_sf: case DW_CFA_val_offset_sf:
      ops = Ops::kRegS; return true;
    case DW_CFA_register: ops = Ops::kRegReg; return true;
    case DW_CFA_expression: case DW_CFA_val_expression: ops = Ops::kRegBlock; return true;
    case DW_CFA_def_cfa_offset: case DW_CFA_GNU_args_size: ops = Ops::kU; return true;
    case DW_CFA_def_cfa_offset_sf: ops = Ops::kS; return true;
    case DW_CFA_def_cfa_expression: ops = Ops::kBlock; return true;
    default: return false;
  }
}

bool reg(const std::uint8_t*& p, const std::uint8_t* end) {
  std::uint64_t r = 0;
  return read_leb128(p, end, false, r) && r <= kMaxCfiRegister;
}

bool skip(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t n) {
  if (static_cast<std::uint64_t>(end - p) < n) return false;
  p += n;
  return true;
}

bool operands(Ops ops, const std::uint8_t*& p, const std::uint8_t* end) {
  std::uint64_t v = 0;
  switch (ops) {
    case Ops::kNone: return true;
    case Ops::kFixed1: return skip(p, end, 1);
    case Ops::kFixed2: return skip(p, end, 2);
    case Ops::kFixed4: return skip(p, end, 4);
    case Ops::kReg: return reg(p, end);
    case Ops::kRegU: return reg(p, end) && read_leb128(p, end, false, v);
    case Ops::kRegS: return reg(p, end) && read_leb128(p, end, true, v);
    case Ops::kRegReg: return reg(p, end) && reg(p, end);
    case Ops::kRegBlock: return reg(p, end) && skip_block(p, end);
    case Ops::kU: return read_leb128(p, end, false, v);
    case Ops::kS: return read_leb128(p, end, true, v);
    case Ops::kBlock: return skip_block(p, end);
  }
  return false;
}

}  // namespace

bool cfa_program_safe(const std::uint8_t* p, const std::uint8_t* end,
                      std::uint8_t address_encoding, unsigned& depth) {
  while (p < end) {
    const std::uint8_t op = *p++;
    std::uint64_t v = 0;
    switch (op & 0xc0) {
      case DW_CFA_advance_loc: case DW_CFA_restore: continue;  // register in the low 6 bits
      case DW_CFA_offset:
        if (!read_leb128(p, end, false, v)) return false;
        continue;
    }
    if (op == DW_CFA_set_loc) {
      if (!read_encoded(p, end, address_encoding & 0x0f, 0, v)) return false;
      continue;
    }
    Ops ops = Ops::kNone;
    if (!layout(op, ops)) return true;  // libdw fails on it and runs nothing after
    if (op == DW_CFA_remember_state && ++depth > kMaxRememberDepth) return false;
    if (op == DW_CFA_restore_state && depth > 0) --depth;
    if (!operands(ops, p, end)) return false;
  }
  return true;
}

}  // namespace profbufd::unwind
