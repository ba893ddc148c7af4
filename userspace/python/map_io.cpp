#include "python/map_io.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace profbufd::python {

Status BpfPyMapIo::put(std::uint32_t pid, const py_proc& p) {
  if (bpf_map_update_elem(fd_, &pid, &p, BPF_ANY) != 0)
    return make_error(ExitCode::kRuntime, "publishing Python process " + std::to_string(pid),
                      std::strerror(errno));
  return ok_status();
}

void BpfPyMapIo::erase(std::uint32_t pid) { bpf_map_delete_elem(fd_, &pid); }

}  // namespace profbufd::python
