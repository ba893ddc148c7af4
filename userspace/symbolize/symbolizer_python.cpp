// Symbolizer::python(): Python frames, named by python::FrameResolver and
// counted with every other frame (symbolize/name_source.h).
#include "symbolize/symbolizer.h"

namespace profbufd {

SymbolizedFrame Symbolizer::python(std::uint32_t pid, std::uint64_t word0, std::uint64_t word1) {
  const python::FrameWords words = python::FrameWords::of(word0, word1);
  const python::PythonFrame p = python_.resolve(pid, words);  // outside mu_: it reads memory
  SymbolizedFrame f;
  f.module = "[python]";
  if (p.failure == python::FrameFailure::kNone) {
    f.function = p.function;
    f.resolved = true;
    f.source = symbolize::NameSource::kPython;
    f.lines.push_back(SourceLine{p.function, p.file, p.line, p.start_line});
  } else {
    const bool gone = p.failure == python::FrameFailure::kGone;
    f.function = gone ? "[python: process gone]" : "[python: code object unreadable]";
    f.unnamed = gone ? symbolize::UnnamedReason::kPythonGone
                     : symbolize::UnnamedReason::kPythonUnreadable;
  }
  std::lock_guard lock(mu_);
  count_locked(f);
  return f;
}

void Symbolizer::prefetch_python(std::uint32_t pid, std::uint64_t word0, std::uint64_t word1) {
  python_.resolve(pid, python::FrameWords::of(word0, word1));
}

}  // namespace profbufd
