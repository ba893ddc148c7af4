#include <bpf/bpf.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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

// `count` values of `size` bytes at keys first.. in one syscall (batch
// updates: 5.6+), or one by one where batches are not supported.
Status update_range(int fd, std::uint32_t first, const void* values, std::size_t size,
                    std::uint32_t count, const char* what) {
  std::vector<std::uint32_t> keys(count);
  for (std::uint32_t i = 0; i < count; ++i) keys[i] = first + i;
  std::uint32_t n = count;
  if (count == 0 || bpf_map_update_batch(fd, keys.data(), values, &n, nullptr) == 0)
    return ok_status();
  const auto* bytes = static_cast<const unsigned char*>(values);
  for (std::uint32_t i = 0; i < count; ++i)
    if (Status s = update(fd, &keys[i], bytes + i * size, what); !s) return s;
  return ok_status();
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
  return update_range(fds_.pages, first, pages, sizeof(uw_page), count, "uw_pages");
}

Status BpfMapIo::put_block(std::uint32_t index, const uw_block& b) {
  return update(fds_.rows, &index, &b, "uw_rows");
}

Status BpfMapIo::put_rules(std::uint32_t first, const uw_rule* rules, std::uint32_t count) {
  return update_range(fds_.rules, first, rules, sizeof(uw_rule), count, "uw_rules");
}

constexpr std::size_t kDemandBytes = UW_MAX_BINS * sizeof(std::uint64_t);

BpfMapIo::BpfMapIo(UwMapFds fds) : fds_(fds) {
  if (fds_.demand < 0) return;
  void* p = mmap(nullptr, kDemandBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fds_.demand, 0);
  if (p != MAP_FAILED) demand_ = static_cast<std::uint64_t*>(p);
}

BpfMapIo::~BpfMapIo() {
  if (demand_ != nullptr) munmap(demand_, kDemandBytes);
}

std::uint32_t BpfMapIo::demand(std::uint32_t bin) {
  if (demand_ == nullptr || bin >= UW_MAX_BINS) return 0;
  const std::uint64_t n = __atomic_load_n(&demand_[bin], __ATOMIC_RELAXED);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX));
}

Status BpfMapIo::clear_demand(std::uint32_t bin) {
  if (demand_ != nullptr && bin < UW_MAX_BINS) __atomic_store_n(&demand_[bin], 0, __ATOMIC_RELAXED);
  return ok_status();
}

}  // namespace profbufd::unwind
