// What the BPF walker finds for one frame (bpf/unwind.bpf.h: uw_find_map,
// uw_lookup), reading only the maps of a FakeMapIo, with the searches of
// bpf_search_model.h.
#pragma once

#include <cstdint>

#include "bpf_search_model.h"
#include "fake_map_io.h"

namespace profbufd::unwind::testing {

enum class Walk {
  kRule,           // a table row: `rule`
  kNoProcess,      // no uw_procs entry: FP fallback
  kNoMapping,      // the pc lies in no published mapping
  kNoTable,        // bin 0, outside the table, or no row: FP fallback
  kPending,        // the bin is not READY: FP fallback
  kUnwrittenRule,  // a row names a rule never written: a bug of the writer
  kBadSearch,      // the bounded search would not finish: a bug of the layout
};

struct WalkResult {
  Walk what = Walk::kNoProcess;
  uw_rule rule{};
  std::uint32_t bin = 0;
};

// uw_lookup of ELF vaddr `vaddr` in the table of bin `bin`.
inline WalkResult walk_bin(const FakeMapIo& io, std::uint32_t bin, std::uint64_t vaddr) {
  if (bin == 0) return {Walk::kNoTable};
  const uw_bin& b = io.bin(bin);
  if (b.state != UW_BIN_READY) return {Walk::kPending, {}, bin};
  if (vaddr < b.base || vaddr >= b.end) return {Walk::kNoTable, {}, bin};
  const std::uint32_t pg_idx =
      b.page_first + static_cast<std::uint32_t>((vaddr - b.base) >> UW_PAGE_BITS);
  if (pg_idx >= io.pages().size()) return {Walk::kNoTable, {}, bin};
  const uw_page& pg = io.pages()[pg_idx];
  bool ok = true;
  const auto row = [&](std::uint32_t i) {
    const auto r = bpf_row(io.blocks(), i);
    ok = ok && r.has_value();
    return r.value_or(0);
  };
  const auto lo = bpf_upper_bound(pg.first_row, pg.first_row + pg.n_rows,
                                  static_cast<std::uint32_t>(vaddr & kPageOffsetMask), row);
  if (!lo) return {Walk::kBadSearch, {}, bin};
  if (*lo == 0 || *lo - 1 < b.row_first) return {Walk::kNoTable, {}, bin};
  const std::uint32_t rule = row(*lo - 1) >> UW_PAGE_BITS;
  if (!ok || rule >= b.n_rules) return {Walk::kNoTable, {}, bin};
  const std::uint32_t id = b.rule_first + rule;
  if (!io.rule_written(id)) return {Walk::kUnwrittenRule, {}, bin};
  return {Walk::kRule, io.rules()[id], bin};
}

// The walker's view of `pc` in process `pid`; `return_address`: pc follows a call.
inline WalkResult walk(const FakeMapIo& io, std::uint32_t pid, std::uint64_t pc,
                       bool return_address = true) {
  const uw_proc* p = io.proc(pid);
  if (p == nullptr) return {Walk::kNoProcess};
  const auto mi = bpf_find_map(*p, pc);
  if (!mi) return {Walk::kBadSearch};
  if (*mi >= UW_MAX_MAPS) return {Walk::kNoMapping};
  const uw_map& m = p->m[*mi];
  return walk_bin(io, m.bin, pc - (return_address ? 1 : 0) - m.bias);
}

}  // namespace profbufd::unwind::testing
