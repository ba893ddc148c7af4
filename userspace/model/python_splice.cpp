#include "model/python_splice.h"

#include <string>

#include "model/location_table.h"
#include "process/proc_maps.h"
#include "python.h"
#include "python/stack_end.h"

namespace profbufd {

PythonSplice::PythonSplice(LocationTable& locs, std::uint32_t pid,
                           std::span<const std::uint64_t> words, std::uint8_t end)
    : locs_(locs), pid_(pid), words_(words.first(words.size() & ~std::size_t{1})), end_(end) {}

void PythonSplice::emit(std::vector<std::uint32_t>& out) {
  const std::uint64_t w0 = words_[2 * next_], w1 = words_[2 * next_ + 1];
  out.push_back(locs_.python(pid_, w0, w1));
  ++next_;
  if (next_ < frames() || end_ == PY_END_OK || end_ == PY_END_NONE) return;
  if (const auto i = python::stack_end_index(end_))
    out.push_back(
        locs_.synthetic("[python truncated: " + std::string(python::kStackEndNames[*i]) + "]"));
}

void PythonSplice::native(std::uint32_t loc, std::vector<std::uint32_t>& out) {
  if (next_ >= frames() || !locs_.is_python_eval(loc)) {
    out.push_back(loc);
    return;
  }
  for (;;) {
    const bool entry = (words_[2 * next_] & PY_FRAME_ENTRY) != 0;
    emit(out);
    if (entry || next_ >= frames()) return;
  }
}

void PythonSplice::finish(std::vector<std::uint32_t>& out) {
  while (next_ < frames()) emit(out);
}

}  // namespace profbufd
