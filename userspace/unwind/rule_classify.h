// What the BPF walker should do for one CFI row: libdw's view of a frame
// (Dwarf_Frame) reduced to a struct uw_rule (bpf/unwind.h).
//
// Recognized, as GCC, clang and hand-written glibc assembly emit them on
// x86-64: CFA = RSP or RBP + offset; the .plt expression
// (breg7 8; breg16 0; lit15; and; lit11|lit10; ge; lit3; shl; plus); CFA =
// *(RSP or RBP + offset) (stack realignment); the return address undefined (the
// outermost frame); signal trampolines. The return address must be at CFA - 8.
// Anything else is a rule the walker cannot follow: it falls back to frame
// pointers there, and the row says why (UW_CMD_BAD_*).
#pragma once

#include "unwind.h"

typedef struct Dwarf_Frame_s Dwarf_Frame;

namespace profbufd::unwind {

uw_rule classify(Dwarf_Frame* frame, bool signal_frame);

}  // namespace profbufd::unwind
