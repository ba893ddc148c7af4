// The unwinder's writes into the BPF maps the walker reads (bpf/unwind.h), behind
// an interface: BpfMapIo does them with bpf(2); tests keep the maps in memory
// and walk them with the same lookup the BPF side does.
//
// Writes go through syscalls, not mmap: the tables are kernel memory that then
// does not count in profbufd's RSS.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "unwind.h"

namespace profbufd::unwind {

enum class UwMap { kProcs, kBins, kPages, kRows, kRules };

class MapIo {
 public:
  virtual ~MapIo() = default;
  virtual Status put_proc(std::uint32_t pid, const uw_proc& p) = 0;
  virtual Status delete_proc(std::uint32_t pid) = 0;
  virtual Status put_bin(std::uint32_t id, const uw_bin& b) = 0;
  // count page entries from index `first`.
  virtual Status put_pages(std::uint32_t first, const uw_page* pages, std::uint32_t count) = 0;
  virtual Status put_block(std::uint32_t index, const uw_block& b) = 0;
  virtual Status put_rule(std::uint32_t id, const uw_rule& r) = 0;
};

// The real maps, by file descriptor (owned elsewhere: capture/shared_maps).
struct UwMapFds {
  int procs = -1, bins = -1, pages = -1, rows = -1, rules = -1;
};

class BpfMapIo final : public MapIo {
 public:
  explicit BpfMapIo(UwMapFds fds) : fds_(fds) {}
  Status put_proc(std::uint32_t pid, const uw_proc& p) override;
  Status delete_proc(std::uint32_t pid) override;
  Status put_bin(std::uint32_t id, const uw_bin& b) override;
  Status put_pages(std::uint32_t first, const uw_page* pages, std::uint32_t count) override;
  Status put_block(std::uint32_t index, const uw_block& b) override;
  Status put_rule(std::uint32_t id, const uw_rule& r) override;

 private:
  const UwMapFds fds_;
};

}  // namespace profbufd::unwind
