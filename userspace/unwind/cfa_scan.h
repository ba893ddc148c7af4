// A check of CFA programs (a CIE's initial instructions, an FDE's
// instructions) before libdw runs them. libdw sizes its register state by the
// highest register number a program names and copies that state for every
// DW_CFA_remember_state: one DW_CFA_offset_extended of register 2^26 in a
// binary any user can map makes it allocate gigabytes (found by
// tests/fuzz/cfi_table_fuzz.cpp). A program naming a register past
// kMaxCfiRegister or nesting remember_state past kMaxRememberDepth is hostile;
// real x86-64 code names registers up to 125 (k7) and nests one or two deep.
#pragma once

#include <cstdint>

namespace profbufd::unwind {

inline constexpr std::uint64_t kMaxCfiRegister = 255;
inline constexpr unsigned kMaxRememberDepth = 64;

// Scans [p, end). `depth` carries the remember_state depth from a CIE's
// program into its FDEs'. `address_encoding` is the CIE's FDE pointer
// encoding, the size of DW_CFA_set_loc's operand. Returns false for a hostile
// program, or one whose operands this cannot decode. An opcode DWARF does not
// define ends the scan with true: libdw stops there too, with an error.
bool cfa_program_safe(const std::uint8_t* p, const std::uint8_t* end,
                      std::uint8_t address_encoding, unsigned& depth);

}  // namespace profbufd::unwind
