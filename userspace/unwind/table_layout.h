// A binary's CFI rows as the BPF walker reads them (bpf/unwind.h): 3-byte rows
// (the offset in its 4 KiB page of the vaddr where a row starts, and the
// index of its rule among the binary's distinct rules), grouped by the page
// of vaddr they start in.
//
// Lookup of vaddr v (lookup() below does what the BPF side does, for tests):
// page p = (v - base) >> 12 lists the rows starting in it; the row covering v
// is the last of those at or below v's page offset, or, if none, the last row
// of the pages before: a table's rows are contiguous and in order, so that is
// the row just before the page's first.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/error.h"
#include "unwind.h"
#include "unwind/cfi_rows.h"

namespace profbufd::unwind {

struct TableLayout {
  std::uint64_t base = 0;  // page-aligned vaddr of page 0
  std::uint64_t end = 0;   // vaddr of the final GAP row: the table covers [base, end)
  // One per page; first_row counts from the table's first row (the store adds
  // where the rows land in the global pool).
  std::vector<uw_page> pages;
  std::vector<std::uint32_t> rows;  // page offset | rule index << 12 (24 bits)
  std::vector<uw_rule> rules;       // the binary's distinct rules, by index
};

// Lays out `t` (rows sorted, ending with a GAP row). Errors: a page with more
// than UW_PAGE_MAX_ROWS rows, or more than UW_MAX_BIN_RULES distinct rules.
Result<TableLayout> lay_out(const CfiTable& t);

// The rule covering `vaddr`, as the BPF walker finds it, or nullopt outside
// the table.
std::optional<uw_rule> lookup(const TableLayout& t, std::uint64_t vaddr);

// Row `i` as the kernel stores it: 3 bytes, little-endian.
inline void pack_row(std::uint32_t row, std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(row);
  out[1] = static_cast<std::uint8_t>(row >> 8);
  out[2] = static_cast<std::uint8_t>(row >> 16);
}

// Bytes the table takes in the kernel: its rows, page entries and rules.
inline std::size_t kernel_bytes(const TableLayout& t) {
  return t.rows.size() * UW_ROW_BYTES + t.pages.size() * sizeof(uw_page) +
         t.rules.size() * sizeof(uw_rule);
}

}  // namespace profbufd::unwind
