// Whether a named user frame got its source line, and why not. Counted in
// Symbolizer::Stats::lines and in /metrics (profbufd_frame_lines_total).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace profbufd::symbolize {

enum class LineResult : std::uint8_t {
  kFound,        // DWARF gave the frame a line (and its inlined calls)
  kNoDebugInfo,  // neither the binary nor a debug file of it has DWARF lines
  kNotCovered,   // the DWARF has no CU or line row for the address
  kOff,          // line lookups are switched off (--no-lines)
  kOverBudget,   // its DWARF would pass the open-DWARF budget (max_dwarf_bytes)
};
inline constexpr std::size_t kLineResults = 5;
inline constexpr std::array<std::string_view, kLineResults> kLineResultNames = {
    "found", "no_debug_info", "not_covered", "off", "over_budget"};

inline constexpr std::string_view name_of(LineResult r) {
  return kLineResultNames[static_cast<std::size_t>(r)];
}

}  // namespace profbufd::symbolize
