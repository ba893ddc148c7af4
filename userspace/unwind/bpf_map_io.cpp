#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "unwind/map_io.h"

namespace profbufd::unwind {
namespace {

Status update(int fd, const void* key, const void* value, const char* what) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY) == 0) return ok_status();
  return make_error(ExitCode::kRuntime, std::string("writing the unwind map ") + what,
                    std::strerror(errno));
}

}  // namespace

Status BpfMapIo::put_proc(std::uint32_t pid, const uw_proc& p) {
  return update(fds_.procs, &pid, &p, "uw_procs");
}

Status BpfMapIo::delete_proc(std::uint32_t pid) {
  if (bpf_map_delete_elem(fds_.procs, &pid) == 0 || errno == ENOENT) return ok_status();
  return make_error(ExitCode::kRuntime, "deleting from the unwind map uw_procs",
                    std::strerror(errno));
}

Status BpfMapIo::put_bin(std::uint32_t id, const uw_bin& b) {
  return update(fds_.bins, &id, &b, "uw_bins");
}

Status BpfMapIo::put_pages(std::uint32_t first, const uw_page* pages, std::uint32_t count) {
  // One syscall for the whole range (batch updates: 5.6+); per entry if not.
  std::vector<std::uint32_t> keys(count);
  for (std::uint32_t i = 0; i < count; ++i) keys[i] = first + i;
  std::uint32_t n = count;
  if (count == 0 || bpf_map_update_batch(fds_.pages, keys.data(), pages, &n, nullptr) == 0)
    return ok_status();
  for (std::uint32_t i = 0; i < count; ++i)
    if (Status s = update(fds_.pages, &keys[i], &pages[i], "uw_pages"); !s) return s;
  return ok_status();
}

Status BpfMapIo::put_block(std::uint32_t index, const uw_block& b) {
  return update(fds_.rows, &index, &b, "uw_rows");
}

Status BpfMapIo::put_rule(std::uint32_t id, const uw_rule& r) {
  return update(fds_.rules, &id, &r, "uw_rules");
}

}  // namespace profbufd::unwind
