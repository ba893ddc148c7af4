#include "python/memory.h"

#include <sys/uio.h>

namespace profbufd::python {

bool ProcessMemory::read(std::uint64_t addr, void* out, std::size_t n) {
  if (n == 0) return true;
  iovec local{out, n};
  iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)), n};
  const ssize_t got = process_vm_readv(pid_, &local, 1, &remote, 1, 0);
  return got == static_cast<ssize_t>(n);
}

}  // namespace profbufd::python
