// A TableLayout packed as the kernel holds it (3-byte rows in uw_block
// values, its first row at global row 0) and looked up by the BPF walker's
// own steps (bpf_search_model.h), without the store or any map.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "bpf_search_model.h"
#include "unwind/table_layout.h"

namespace profbufd::unwind::testing {

class PackedLayout {
 public:
  explicit PackedLayout(const TableLayout& l) : l_(l) {
    blocks_.resize((l.rows.size() + UW_ROWS_PER_BLOCK - 1) / UW_ROWS_PER_BLOCK);
    for (std::size_t i = 0; i < l.rows.size(); ++i)
      pack_row(l.rows[i], &blocks_[i / UW_ROWS_PER_BLOCK].row_bytes[(i % UW_ROWS_PER_BLOCK) * UW_ROW_BYTES]);
  }

  const std::vector<uw_block>& blocks() const { return blocks_; }

  // uw_lookup's answer for `vaddr`: nullopt where the walker falls back.
  // Throws where the walker's bounded search would not finish, or a row reads
  // past the pool.
  std::optional<uw_rule> lookup(std::uint64_t vaddr) const {
    if (vaddr < l_.base || vaddr >= l_.end) return std::nullopt;
    const uw_page& pg = l_.pages.at((vaddr - l_.base) >> UW_PAGE_BITS);
    const auto row = [&](std::uint32_t i) {
      const auto r = bpf_row(blocks_, i);
      if (!r) throw std::runtime_error("row " + std::to_string(i) + " is past the pool");
      return *r;
    };
    const auto lo = bpf_upper_bound(pg.first_row, pg.first_row + pg.n_rows,
                                    static_cast<std::uint32_t>(vaddr & kPageOffsetMask), row);
    if (!lo) throw std::runtime_error("the walker's row search does not finish");
    if (*lo == 0) return std::nullopt;
    const std::uint32_t rule = row(*lo - 1) >> UW_PAGE_BITS;
    if (rule >= l_.rules.size()) return std::nullopt;
    return l_.rules[rule];
  }

 private:
  const TableLayout& l_;
  std::vector<uw_block> blocks_;
};

}  // namespace profbufd::unwind::testing
