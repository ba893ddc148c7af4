// How a record's Python walk ended (enum py_end, bpf/python.h), by name, as
// profiles (ProfileMetadata::python_stacks) and /metrics count them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "python.h"

namespace profbufd::python {

// Indexed by py_end - 1 (PY_END_NONE: no walk, not counted).
inline constexpr std::array<std::string_view, PY_END__COUNT - 1> kStackEndNames = {
    "complete", "no_thread", "depth", "no_room", "unreadable"};

inline constexpr std::optional<std::size_t> stack_end_index(std::uint8_t end) {
  if (end == PY_END_NONE || end >= PY_END__COUNT) return std::nullopt;
  return end - 1;
}

}  // namespace profbufd::python
