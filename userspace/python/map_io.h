// The Python walker's process map (py_procs, bpf/python.bpf.h), behind an
// interface: BpfPyMapIo writes it with bpf(2); tests keep it in memory.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "python.h"

namespace profbufd::python {

class PyMapIo {
 public:
  virtual ~PyMapIo() = default;
  virtual Status put(std::uint32_t pid, const py_proc& p) = 0;
  virtual void erase(std::uint32_t pid) = 0;
};

// The real map, by file descriptor (owned elsewhere: capture/shared_maps).
class BpfPyMapIo final : public PyMapIo {
 public:
  explicit BpfPyMapIo(int procs_fd) : fd_(procs_fd) {}
  Status put(std::uint32_t pid, const py_proc& p) override;
  void erase(std::uint32_t pid) override;

 private:
  int fd_;
};

}  // namespace profbufd::python
