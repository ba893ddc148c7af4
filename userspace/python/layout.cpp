#include "python/layout.h"

namespace profbufd::python {
namespace {

// CPython 3.11 (Include/internal/pycore_runtime.h, pycore_interp.h,
// pycore_frame.h, Include/cpython/pystate.h, code.h, unicodeobject.h,
// bytesobject.h on x86-64), checked on Debian's 3.11.2 and on 3.11.7.
constexpr Layout kPython311 = {
    .walker = {.runtime_interp_main = 48,  // _initialized..initialized, _finalizing, mutex, head
               .interp_threads_head = 16,  // next, threads.next_unique_id
               .tstate_next = 8,
               .tstate_native_id = 160,
               .tstate_cframe = 56,
               .cframe_current = 8,  // use_tracing, padding
               .frame_code = 32,     // f_func, f_globals, f_builtins, f_locals
               .frame_previous = 48,
               .frame_prev_instr = 56,
               .frame_is_entry = 68,  // after int stacktop
               .code_tag = 56,        // co_argcount: after co_flags, co_warmup and
                                      // _co_linearray_entry_size, which change
               .code_adaptive = 184},
    .objects = {.code_filename = 112,
                .code_qualname = 128,
                .code_linetable = 136,
                .code_firstlineno = 72,
                .str_length = 16,
                .str_state = 32,
                .str_ascii_data = 48,    // sizeof(PyASCIIObject): wstr is still there
                .str_compact_data = 72,  // sizeof(PyCompactUnicodeObject)
                .bytes_size = 16,
                .bytes_data = 32},
};

}  // namespace

std::string version_name(std::uint32_t hex) {
  std::string s = std::to_string(major_of(hex)) + "." + std::to_string(minor_of(hex)) + "." +
                  std::to_string((hex >> 8) & 0xff);
  const unsigned level = (hex >> 4) & 0xf, serial = hex & 0xf;
  if (level == 0xa) s += "a" + std::to_string(serial);
  if (level == 0xb) s += "b" + std::to_string(serial);
  if (level == 0xc) s += "rc" + std::to_string(serial);
  return s;
}

std::optional<Layout> layout_for(std::uint32_t hex) {
  if (major_of(hex) == 3 && minor_of(hex) == 11) return kPython311;
  return std::nullopt;
}

std::string supported_versions() { return "3.11"; }

}  // namespace profbufd::python
