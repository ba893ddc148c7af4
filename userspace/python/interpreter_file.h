// What a binary says of the CPython in it: the version it was built as
// (Py_Version, 3.11+) and where its runtime state lives (_PyRuntime), both
// from its symbol tables, which Debian's stripped python3.11 and every
// libpython keep in .dynsym because extension modules link against them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "process/elf_layout.h"
#include "python/debug_offsets.h"

namespace profbufd::python {

struct InterpreterFile {
  std::uint32_t version = 0;       // PY_VERSION_HEX; 0 if the binary has no Py_Version
  std::uint64_t runtime_vaddr = 0;  // ELF vaddr of _PyRuntime
  ElfLayout layout;                 // for the load bias of each process's mapping
  // 3.13+: the first kDebugOffsetWords words of _PyRuntime, its
  // _Py_DebugOffsets (python/debug_offsets.h); empty before 3.13 or when the
  // file has no such block.
  std::vector<std::uint64_t> debug_offsets;
};

// Whether a mapped file's name is one a CPython interpreter or its library
// has: python3.11, python3.11d, libpython3.11.so.1.0, ... Only those are read.
bool looks_like_python(std::string_view path);

// The interpreter facts of the ELF file open at `fd`; nullopt when it has no
// _PyRuntime (not an interpreter: a python3 wrapper, a C extension). `name`
// only labels errors.
Result<std::optional<InterpreterFile>> read_interpreter_file(int fd, std::string_view name);

// The version in a file name, for interpreters older than Py_Version
// ("python3.9" -> 0x03090000); 0 if none.
std::uint32_t version_from_name(std::string_view path);

}  // namespace profbufd::python
