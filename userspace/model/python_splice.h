// Puts a record's Python frames (bpf/python.h) into its native user stack the
// way py-spy --native shows them: each _PyEval_EvalFrameDefault frame is
// replaced by the Python frames that call ran, innermost first. The walker
// reads frames from the innermost out, so the first call's frames are those
// up to and including the first marked entry (is_entry), the next call's up
// to the next entry, and so on. Native frames between them (C extensions,
// the interpreter's own calls) stay where they are.
//
// Python frames left when the native stack has no more evaluator frames (its
// walk stopped early) follow the last native frame; a Python walk that
// stopped early ends in a "[python truncated: <reason>]" frame behind its
// outermost frame.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace profbufd {

class LocationTable;

class PythonSplice {
 public:
  // `words`: the record's Python frames, two words each; `end`: its
  // python_status (enum py_end).
  PythonSplice(LocationTable& locs, std::uint32_t pid, std::span<const std::uint64_t> words,
               std::uint8_t end);

  // Appends native user location `loc` to `out`, or the Python frames of its
  // call if it is an evaluator frame with Python frames left.
  void native(std::uint32_t loc, std::vector<std::uint32_t>& out);
  // Appends the Python frames left. Call once, after the last native frame.
  void finish(std::vector<std::uint32_t>& out);

 private:
  std::size_t frames() const { return words_.size() / 2; }
  void emit(std::vector<std::uint32_t>& out);  // one frame, and the marker after the last

  LocationTable& locs_;
  const std::uint32_t pid_;
  const std::span<const std::uint64_t> words_;
  const std::uint8_t end_;
  std::size_t next_ = 0;
};

}  // namespace profbufd
