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
               .code_adaptive = 184,
               .frame_owner = PY_OFF_NONE,
               .pad = 0},
    .objects = {.code_filename = 112,
                .code_qualname = 128,
                .code_linetable = 136,
                .code_firstlineno = 72,
                .str_length = 16,
                .str_state = 32,
                .str_ascii_data = 48,    // sizeof(PyASCIIObject): wstr is still there
                .str_compact_data = 72,  // sizeof(PyCompactUnicodeObject)
                .bytes_size = 16,
                .bytes_data = 32,
                .tstate_interp = 16},
};

// What 3.12 and 3.13 share: a str lost its wstr, so a compact ASCII string's
// bytes start at 40 and another's data at 56; bytes objects are unchanged.
constexpr ObjectLayout kObjects312 = {.code_filename = 112,
                                      .code_qualname = 128,
                                      .code_linetable = 136,
                                      .code_firstlineno = 68,
                                      .str_length = 16,
                                      .str_state = 32,
                                      .str_ascii_data = 40,
                                      .str_compact_data = 56,
                                      .bytes_size = 16,
                                      .bytes_data = 32,
                                      .tstate_interp = 16};

// CPython 3.12, read from the DWARF of a 3.12.1 build (gdb ptype/o): the
// evaluator marks its calls by a shim frame (owner FRAME_OWNED_BY_CSTACK), not
// by is_entry, and f_code comes first in the frame.
constexpr Layout kPython312 = {
    .walker = {.runtime_interp_main = 48,
               .interp_threads_head = 72,
               .tstate_next = 8,
               .tstate_native_id = 144,
               .tstate_cframe = 56,
               .cframe_current = 0,
               .frame_code = 0,
               .frame_previous = 8,
               .frame_prev_instr = 56,
               .frame_is_entry = PY_OFF_NONE,
               .code_tag = 52,  // co_argcount .. co_nlocals, after co_flags
               .code_adaptive = 192,
               .frame_owner = 70,
               .pad = 0},
    .objects = kObjects312,
};

// CPython 3.13, from the DWARF of a 3.13.0 build and its _Py_DebugOffsets:
// _PyCFrame is gone (the thread state points at its frame), f_executable
// replaces f_code and instr_ptr prev_instr; the runtime and interpreter states
// grew.
constexpr Layout kPython313 = {
    .walker = {.runtime_interp_main = 640,
               .interp_threads_head = 7344,
               .tstate_next = 8,
               .tstate_native_id = 160,
               .tstate_cframe = 72,  // current_frame
               .cframe_current = PY_OFF_NONE,
               .frame_code = 0,
               .frame_previous = 8,
               .frame_prev_instr = 56,
               .frame_is_entry = PY_OFF_NONE,
               .code_tag = 52,
               .code_adaptive = 200,
               .frame_owner = 70,
               .pad = 0},
    .objects = kObjects312,
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
  if (major_of(hex) != 3) return std::nullopt;
  switch (minor_of(hex)) {
    case 11: return kPython311;
    case 12: return kPython312;
    case 13: return kPython313;
    default: return std::nullopt;
  }
}

std::string supported_versions() { return "3.11, 3.12, 3.13"; }

}  // namespace profbufd::python
