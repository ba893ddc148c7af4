#include "python/runtime_check.h"

#include <cstdio>

namespace profbufd::python {
namespace {

bool read_ptr(Memory& mem, std::uint64_t addr, std::uint64_t& out) {
  out = 0;
  return addr != 0 && mem.read(addr, &out, sizeof out);
}

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

std::string runtime_disagrees(Memory& mem, std::uint64_t runtime, const Layout& l) {
  std::uint64_t interp = 0, head = 0, back = 0;
  // _PyRuntime itself unreadable: the process is gone or not readable; the
  // walker's reads would fail the same way, each counted.
  if (!read_ptr(mem, runtime + l.walker.runtime_interp_main, interp) || interp == 0) return {};
  if (!read_ptr(mem, interp + l.walker.interp_threads_head, head))
    return "its main interpreter (" + hex(interp) + ") is unreadable";
  if (head == 0) return {};
  if (!read_ptr(mem, head + l.objects.tstate_interp, back))
    return "its first thread state (" + hex(head) + ") is unreadable";
  if (back != interp)
    return "its first thread state names interpreter " + hex(back) + ", not " + hex(interp);
  return {};
}

}  // namespace profbufd::python
