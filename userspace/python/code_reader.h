// Reads one CPython code object out of a process's memory: its qualified
// name, file name, first line, and location table, with every length bounded
// and every string turned into valid UTF-8, whatever the memory holds.
//
// The BPF walker tags each frame's code object with a hash of fields that
// never change (py_code_tag, bpf/python.h); the object read here is trusted
// only if its own fields give the same tag, so a code object freed and
// replaced since the sample is not taken for the old one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "python/layout.h"
#include "python/memory.h"

namespace profbufd::python {

inline constexpr std::size_t kMaxNameChars = 1024;       // longer names are cut, marked "..."
inline constexpr std::size_t kMaxLineTableBytes = 1 << 20;

struct CodeObject {
  std::string qualname;  // co_qualname: "Class.method", "outer.<locals>.inner"
  std::string filename;  // co_filename as the interpreter has it
  std::int32_t firstlineno = 0;
  std::vector<std::uint8_t> linetable;  // co_linetable (python/line_table.h)
};

enum class CodeError {
  kNone,
  kUnreadable,  // the memory could not be read (the process is gone, or a bad pointer)
  kStale,       // the object's tag is not the sample's: another object lives there now
  kMalformed,   // a string or table that no interpreter would make
};

struct CodeRead {
  CodeObject code;
  CodeError error = CodeError::kNone;
};

CodeRead read_code(Memory& mem, const Layout& layout, std::uint64_t addr, std::uint32_t tag);

// A str object as UTF-8 (kMaxNameChars code points at most); false if it is
// not a compact string or cannot be read.
bool read_str(Memory& mem, const ObjectLayout& l, std::uint64_t addr, std::string& out);

}  // namespace profbufd::python
