// A check, at discovery, that a process's CPython runtime state is laid out
// as the table says (python/layout.h): the main interpreter's first thread
// state must point back at that interpreter. Guards against a build whose
// structures differ from its version's (a distribution's patches, another
// configure option) before the BPF walker reads it at every sample.
#pragma once

#include <cstdint>
#include <string>

#include "python/layout.h"
#include "python/memory.h"

namespace profbufd::python {

// Why the memory at `runtime` (the process's _PyRuntime) is not the layout
// `l` describes; empty when it is, or when it cannot tell yet: an interpreter
// not yet initialized (no main interpreter, or no thread state).
std::string runtime_disagrees(Memory& mem, std::uint64_t runtime, const Layout& l);

}  // namespace profbufd::python
