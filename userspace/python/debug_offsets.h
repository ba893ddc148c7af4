// CPython 3.13's _Py_DebugOffsets (Include/internal/pycore_runtime.h): the
// offsets of the structures a debugger reads, which the interpreter keeps at
// the start of _PyRuntime. profbufd's own table (python/layout.h) stays the
// source of what the walker reads; this block, read from the binary, is the
// check that the binary is the CPython that table describes, and not, say, a
// free-threaded build of the same version, whose structures differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "python/layout.h"

namespace profbufd::python {

// "xdebugpy", the block's first 8 bytes.
inline constexpr char kDebugCookie[8] = {'x', 'd', 'e', 'b', 'u', 'g', 'p', 'y'};
// The words read: through code_object.co_code_adaptive (3.13's layout of the block).
inline constexpr std::size_t kDebugOffsetWords = 44;

// Why the block `words` (kDebugOffsetWords of them, as read from _PyRuntime)
// does not describe `layout`, the table's entry for `version`; empty when it
// does, or when the block is not one of a version profbufd knows the shape of.
std::string debug_offsets_disagree(std::span<const std::uint64_t> words, std::uint32_t version,
                                   const Layout& layout);

}  // namespace profbufd::python
