// A binary's CFI rows as the BPF walker reads them (bpf/unwind.h): 4-byte rows
// (the low 16 bits of the vaddr where a row starts, and a rule id), grouped by
// the 4 KiB page of vaddr they start in, with rules deduplicated across every
// binary by a RuleInterner.
//
// Lookup of vaddr v (lookup() below does what the BPF side does, for tests):
// page p = (v - base) >> 12 lists the rows starting in it; the row covering v
// is the last of those at or below v's low 16 bits, or, if none, the last row
// of the pages before: rows are global and in order, so that is the row just
// before the page's first. A page's rows share the vaddr bits above 12, so
// comparing the low 16 bits orders them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "unwind.h"
#include "unwind/cfi_rows.h"

namespace profbufd::unwind {

// Rule -> 16-bit id, one id per distinct rule, in order of first use.
class RuleInterner {
 public:
  // The id of `r`, or nullopt when UW_MAX_RULES distinct rules exist already.
  std::optional<std::uint32_t> id(const uw_rule& r);
  const uw_rule& rule(std::uint32_t id) const { return rules_.at(id); }
  std::size_t size() const { return rules_.size(); }
  // Rules with ids from `first` on (the ones not yet written to the kernel).
  std::vector<uw_rule> since(std::uint32_t first) const {
    return {rules_.begin() + first, rules_.end()};
  }

 private:
  using Key = std::tuple<std::uint8_t, std::uint8_t, std::int16_t, std::int32_t>;
  std::map<Key, std::uint32_t> ids_;
  std::vector<uw_rule> rules_;
};

struct TableLayout {
  std::uint64_t base = 0;  // page-aligned vaddr of page 0
  std::uint64_t end = 0;   // vaddr of the final GAP row: the table covers [base, end)
  // One per page; first_row counts from the table's first row (the store adds
  // where the rows land in the global pool).
  std::vector<uw_page> pages;
  std::vector<std::uint32_t> rows;  // low 16 bits | rule id << 16
};

// Lays out `t` (rows sorted, ending with a GAP row). Errors: a page with more
// than UW_PAGE_MAX_ROWS rows, or the rule ids running out.
Result<TableLayout> lay_out(const CfiTable& t, RuleInterner& rules);

// The rule covering `vaddr`, as the BPF walker finds it, or nullopt outside
// the table.
std::optional<uw_rule> lookup(const TableLayout& t, const RuleInterner& rules,
                              std::uint64_t vaddr);

// Bytes the table takes in the kernel: its rows and its page entries.
inline std::size_t kernel_bytes(const TableLayout& t) {
  return t.rows.size() * sizeof(std::uint32_t) + t.pages.size() * sizeof(uw_page);
}

}  // namespace profbufd::unwind
