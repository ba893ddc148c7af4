// The Python processes the unwinder found (python/processes.h), for the
// symbolizer to read their code objects at window close: pid -> the
// interpreter's version and layout. Written by the unwinder's thread, read by
// whichever thread builds a profile.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "python/layout.h"

namespace profbufd::python {

struct Interpreter {
  std::uint32_t version = 0;  // PY_VERSION_HEX
  Layout layout;
};

class Registry {
 public:
  void put(std::uint32_t pid, const Interpreter& i);
  void erase(std::uint32_t pid);
  std::optional<Interpreter> find(std::uint32_t pid) const;
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::uint32_t, Interpreter> by_pid_;
};

}  // namespace profbufd::python
