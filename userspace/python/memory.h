// Reads another process's memory: CPython's objects, by address.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace profbufd::python {

class Memory {
 public:
  virtual ~Memory() = default;
  // Copies n bytes at `addr` into `out`; false unless all n were read.
  virtual bool read(std::uint64_t addr, void* out, std::size_t n) = 0;
};

// process_vm_readv(2) of a live process (CAP_SYS_PTRACE, which root has).
class ProcessMemory final : public Memory {
 public:
  explicit ProcessMemory(pid_t pid) : pid_(pid) {}
  bool read(std::uint64_t addr, void* out, std::size_t n) override;

 private:
  pid_t pid_;
};

}  // namespace profbufd::python
