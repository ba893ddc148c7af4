// Where CPython keeps what profbufd reads of it, per minor version: the
// offsets the BPF walker uses (py_layout, bpf/python.h) and those userspace
// uses to read a code object's names and line table (python/code_reader.h).
//
// CPython keeps no promise about these structures between minor versions, so
// each version has its own entry, checked against the real interpreter by the
// e2e test (tests/e2e/python_test.cpp); a version without one is not walked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "python.h"

namespace profbufd::python {

// What userspace reads of a code object, a str and a bytes object.
struct ObjectLayout {
  std::uint16_t code_filename = 0;    // PyCodeObject.co_filename (str)
  std::uint16_t code_qualname = 0;    // co_qualname (str)
  std::uint16_t code_linetable = 0;   // co_linetable (bytes)
  std::uint16_t code_firstlineno = 0;  // co_firstlineno (int)
  std::uint16_t str_length = 0;       // PyASCIIObject.length (code points)
  std::uint16_t str_state = 0;        // PyASCIIObject.state (bit field)
  std::uint16_t str_ascii_data = 0;   // where a compact ASCII string's bytes start
  std::uint16_t str_compact_data = 0;  // where another compact string's data starts
  std::uint16_t bytes_size = 0;       // PyVarObject.ob_size
  std::uint16_t bytes_data = 0;       // PyBytesObject.ob_sval
  std::uint16_t tstate_interp = 0;    // PyThreadState.interp (a check at discovery)
};

struct Layout {
  py_layout walker;
  ObjectLayout objects;
};

// PY_VERSION_HEX's parts.
inline constexpr unsigned major_of(std::uint32_t hex) { return hex >> 24; }
inline constexpr unsigned minor_of(std::uint32_t hex) { return (hex >> 16) & 0xff; }
// "3.11.2" (and the release level when not final: "3.13.0rc1").
std::string version_name(std::uint32_t hex);

// The layout of CPython `hex`'s minor version; nullopt when profbufd has none.
std::optional<Layout> layout_for(std::uint32_t hex);

// The minor versions that have a layout, for messages: "3.11".
std::string supported_versions();

}  // namespace profbufd::python
