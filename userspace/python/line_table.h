// CPython 3.11's location table (co_linetable, Objects/locations.md in the
// CPython tree): which source line an instruction belongs to.
//
// The table is a run of entries, each starting with a byte whose bit 7 is set:
// bits 3-6 are its code, bits 0-2 the number of code units it covers, minus
// one. The code says what follows: 15 no location; 14 a line delta (signed
// varint), an end-line delta and two columns (varints); 13 a line delta only;
// 10-12 a line delta of code - 10 and two column bytes; 0-9 the same line and
// one column byte. Varints are 6-bit chunks, least significant first, bit 6
// set on all but the last; a signed one keeps its sign in bit 0.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace profbufd::python {

// The line of the instruction at code unit `index`, for a code object whose
// first line is `firstlineno`; nullopt when the table gives that instruction
// no line, ends before it, or is malformed. Reads at most table.size() bytes
// whatever they hold.
std::optional<std::int32_t> line_of(std::span<const std::uint8_t> table, std::int32_t firstlineno,
                                    std::uint32_t index);

}  // namespace profbufd::python
