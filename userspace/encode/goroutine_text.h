// The text of Go's /debug/pprof/goroutine?debug=1 for a goroutine profile
// (kinds/goroutine/), for people: threads with the same stack and state
// grouped, the largest group first, each as
//
//   goroutine profile: total 7
//   3 @ 0x7f00c0de 0xffffffff81000000 ...
//   # labels: {"state":"S"}
//   #	0x7f00c0de	park_sleep	/src/w.c:42
//   #	0xffffffff81000000	hrtimer_nanosleep	[kernel.kallsyms]
//
//   ...
//
// The addresses are the profile's (leaf first, kernel frames first); the
// file:line is the innermost source line when DWARF gave one, else the
// module. Go prints a frame's offset in its function (func+0x1f); profbufd
// does not keep it, so none is printed. Lost samples are a group whose one
// frame is "[lost: reason]" at address 0.
#pragma once

#include <string>

#include "model/profile.h"

namespace profbufd {

// Throws std::out_of_range if the Profile breaks its index invariants.
std::string render_goroutine_text(const Profile& profile);

}  // namespace profbufd
