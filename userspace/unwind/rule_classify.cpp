#include "unwind/rule_classify.h"

#include <dwarf.h>
#include <elfutils/libdw.h>

#include <cstdint>
#include <limits>

namespace profbufd::unwind {
namespace {

// DWARF register numbers on x86-64.
constexpr int kRbp = 6, kRsp = 7, kRip = 16;

bool is(const Dwarf_Op& op, std::uint8_t atom) { return op.atom == atom; }

// (register, offset) of a single DW_OP_bregN / DW_OP_bregx.
bool breg(const Dwarf_Op& op, int& reg, std::int64_t& off) {
  if (op.atom >= DW_OP_breg0 && op.atom <= DW_OP_breg31) {
    reg = op.atom - DW_OP_breg0;
    off = static_cast<std::int64_t>(op.number);
    return true;
  }
  if (op.atom == DW_OP_bregx) {
    reg = static_cast<int>(op.number);
    off = static_cast<std::int64_t>(op.number2);
    return true;
  }
  return false;
}

uw_rule command(std::uint8_t cmd) {
  uw_rule r{};
  r.cfa_kind = cmd;
  return r;
}

// breg7 8; breg16 0; lit15; and; lit11|lit10; ge; lit3; shl; plus
bool is_plt_expression(const Dwarf_Op* ops, std::size_t n) {
  int reg = 0;
  std::int64_t off = 0;
  return n == 9 && breg(ops[0], reg, off) && reg == kRsp && off == 8 && breg(ops[1], reg, off) &&
         reg == kRip && off == 0 && is(ops[2], DW_OP_lit15) && is(ops[3], DW_OP_and) &&
         (is(ops[4], DW_OP_lit11) || is(ops[4], DW_OP_lit10)) && is(ops[5], DW_OP_ge) &&
         is(ops[6], DW_OP_lit3) && is(ops[7], DW_OP_shl) && is(ops[8], DW_OP_plus);
}

// The CFA part of a rule, or a UW_CMD_BAD_* command.
uw_rule cfa_rule(Dwarf_Frame* frame) {
  Dwarf_Op* ops = nullptr;
  std::size_t n = 0;
  if (dwarf_frame_cfa(frame, &ops, &n) != 0 || n == 0) return command(UW_CMD_BAD_CFA_EXPR);
  int reg = 0;
  std::int64_t off = 0;
  uw_rule r{};
  const bool base = breg(ops[0], reg, off);
  if (off < std::numeric_limits<std::int32_t>::min() ||
      off > std::numeric_limits<std::int32_t>::max())
    return command(UW_CMD_BAD_CFA_EXPR);
  if (n == 1 && base) {
    if (reg != kRsp && reg != kRbp) return command(UW_CMD_BAD_CFA_REG);
    r.cfa_kind = reg == kRsp ? UW_CFA_RSP : UW_CFA_RBP;
  } else if (n == 2 && base && is(ops[1], DW_OP_deref) && (reg == kRsp || reg == kRbp)) {
    r.cfa_kind = reg == kRsp ? UW_CFA_DEREF_RSP : UW_CFA_DEREF_RBP;
  } else if (is_plt_expression(ops, n)) {
    r.cfa_kind = UW_CFA_PLT;
    off = is(ops[4], DW_OP_lit11) ? 11 : 10;
  } else {
    return command(UW_CMD_BAD_CFA_EXPR);
  }
  r.cfa_off = static_cast<std::int32_t>(off);
  return r;
}

// The return address: 0 = at CFA - 8, 1 = undefined (outermost), -1 = elsewhere.
int return_address(Dwarf_Frame* frame) {
  Dwarf_Op mem[3];
  Dwarf_Op* ops = nullptr;
  std::size_t n = 0;
  if (dwarf_frame_register(frame, kRip, mem, &ops, &n) != 0) return -1;
  if (n == 0 && ops == mem) return 1;  // libdw's "undefined"
  const bool at_cfa_minus_8 = n == 2 && is(ops[0], DW_OP_call_frame_cfa) &&
                              is(ops[1], DW_OP_plus_uconst) &&
                              static_cast<std::int64_t>(ops[1].number) == -8;
  return at_cfa_minus_8 ? 0 : -1;
}

void rbp_rule(Dwarf_Frame* frame, uw_rule& r) {
  Dwarf_Op mem[3];
  Dwarf_Op* ops = nullptr;
  std::size_t n = 0;
  if (dwarf_frame_register(frame, kRbp, mem, &ops, &n) != 0) {
    r.rbp_kind = UW_RBP_BAD;
  } else if (n == 0) {
    // ops null: "same value"; ops == mem: "undefined".
    r.rbp_kind = ops == nullptr ? UW_RBP_SAME : UW_RBP_UNDEF;
  } else if (n == 1 && is(ops[0], DW_OP_call_frame_cfa)) {
    r.rbp_kind = UW_RBP_CFA_OFF;
    r.rbp_off = 0;
  } else if (n == 2 && is(ops[0], DW_OP_call_frame_cfa) && is(ops[1], DW_OP_plus_uconst) &&
             static_cast<std::int64_t>(ops[1].number) >= std::numeric_limits<std::int16_t>::min() &&
             static_cast<std::int64_t>(ops[1].number) <= std::numeric_limits<std::int16_t>::max()) {
    r.rbp_kind = UW_RBP_CFA_OFF;
    r.rbp_off = static_cast<std::int16_t>(static_cast<std::int64_t>(ops[1].number));
  } else {
    r.rbp_kind = UW_RBP_BAD;
  }
}

}  // namespace

uw_rule classify(Dwarf_Frame* frame, bool signal_frame) {
  if (signal_frame) return command(UW_CMD_SIGNAL);
  switch (return_address(frame)) {
    case 1: return command(UW_CMD_STOP);
    case -1: return command(UW_CMD_BAD_RA);
    default: break;
  }
  uw_rule r = cfa_rule(frame);
  if (r.cfa_kind >= UW_CMD_STOP) return r;
  rbp_rule(frame, r);
  return r;
}

}  // namespace profbufd::unwind
