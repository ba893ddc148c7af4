#include "python/debug_offsets.h"

#include <initializer_list>

namespace profbufd::python {
namespace {

// Word indices of 3.13's _Py_DebugOffsets (each field is a uint64_t).
enum Word : std::size_t {
  kVersion = 1,
  kFreeThreaded = 2,
  kInterpretersHead = 5,
  kThreadsHead = 9,
  kTstateNext = 21,
  kTstateCurrentFrame = 23,
  kTstateNativeId = 25,
  kFramePrevious = 29,
  kFrameExecutable = 30,
  kFrameInstrPtr = 31,
  kFrameOwner = 33,
  kCodeFilename = 35,
  kCodeQualname = 37,
  kCodeLinetable = 38,
  kCodeFirstlineno = 39,
  kCodeArgcount = 40,
  kCodeAdaptive = 43,
};

struct Expect {
  Word word;
  std::uint64_t value;
  const char* name;
};

}  // namespace

std::string debug_offsets_disagree(std::span<const std::uint64_t> words, std::uint32_t version,
                                   const Layout& layout) {
  if (words.size() < kDebugOffsetWords || minor_of(version) != 13) return {};
  if ((words[kVersion] >> 16) != (version >> 16))
    return "its _Py_DebugOffsets are of version " + version_name(static_cast<std::uint32_t>(words[kVersion]));
  if (words[kFreeThreaded] != 0) return "it is a free-threaded build";
  const py_layout& w = layout.walker;
  const ObjectLayout& o = layout.objects;
  // PyInterpreterState *main follows *head in _PyRuntimeState.interpreters.
  for (const Expect& e : std::initializer_list<Expect>{
           {kInterpretersHead, w.runtime_interp_main - 8u, "runtime_state.interpreters_head"},
           {kThreadsHead, w.interp_threads_head, "interpreter_state.threads_head"},
           {kTstateNext, w.tstate_next, "thread_state.next"},
           {kTstateCurrentFrame, w.tstate_cframe, "thread_state.current_frame"},
           {kTstateNativeId, w.tstate_native_id, "thread_state.native_thread_id"},
           {kFramePrevious, w.frame_previous, "interpreter_frame.previous"},
           {kFrameExecutable, w.frame_code, "interpreter_frame.executable"},
           {kFrameInstrPtr, w.frame_prev_instr, "interpreter_frame.instr_ptr"},
           {kFrameOwner, w.frame_owner, "interpreter_frame.owner"},
           {kCodeFilename, o.code_filename, "code_object.filename"},
           {kCodeQualname, o.code_qualname, "code_object.qualname"},
           {kCodeLinetable, o.code_linetable, "code_object.linetable"},
           {kCodeFirstlineno, o.code_firstlineno, "code_object.firstlineno"},
           {kCodeArgcount, w.code_tag, "code_object.argcount"},
           {kCodeAdaptive, w.code_adaptive, "code_object.co_code_adaptive"},
       }) {
    if (words[e.word] != e.value)
      return std::string("its _Py_DebugOffsets put ") + e.name + " at " +
             std::to_string(words[e.word]) + ", not " + std::to_string(e.value);
  }
  return {};
}

}  // namespace profbufd::python
