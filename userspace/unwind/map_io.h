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
  // count rules from index `first`.
  virtual Status put_rules(std::uint32_t first, const uw_rule* rules, std::uint32_t count) = 0;
  // Walks that found `bin` without its table (uw_demand), and setting that to
  // 0 for a bin given to a new binary. The defaults suit maps without it.
  virtual std::uint32_t demand(std::uint32_t /*bin*/) { return 0; }
  virtual Status clear_demand(std::uint32_t /*bin*/) { return ok_status(); }
};

// The real maps, by file descriptor (owned elsewhere: capture/shared_maps).
struct UwMapFds {
  int procs = -1, bins = -1, pages = -1, rows = -1, rules = -1, demand = -1;
};

class BpfMapIo final : public MapIo {
 public:
  // Maps uw_demand (BPF_F_MMAPABLE) into memory: demand() is then a load,
  // not a syscall. Without the mapping demand() reads 0.
  explicit BpfMapIo(UwMapFds fds);
  ~BpfMapIo() override;
  BpfMapIo(const BpfMapIo&) = delete;
  BpfMapIo& operator=(const BpfMapIo&) = delete;
  Status put_proc(std::uint32_t pid, const uw_proc& p) override;
  Status delete_proc(std::uint32_t pid) override;
  Status put_bin(std::uint32_t id, const uw_bin& b) override;
  Status put_pages(std::uint32_t first, const uw_page* pages, std::uint32_t count) override;
  Status put_block(std::uint32_t index, const uw_block& b) override;
  Status put_rules(std::uint32_t first, const uw_rule* rules, std::uint32_t count) override;
  std::uint32_t demand(std::uint32_t bin) override;
  Status clear_demand(std::uint32_t bin) override;

 private:
  const UwMapFds fds_;
  // UW_MAX_BINS counters, shared with the kernel (an array map's values are
  // 8-byte aligned in its mapping: hence 64-bit values).
  std::uint64_t* demand_ = nullptr;
};

}  // namespace profbufd::unwind
