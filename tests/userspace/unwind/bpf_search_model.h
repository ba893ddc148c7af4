// The BPF walker's binary searches (bpf/unwind.bpf.h: uw_row, uw_upper_bound,
// uw_find_map), step for step and with the same bounded number of steps, so
// that tests find tables the walker would search wrongly, not only wrong
// tables. Rows are read as the walker reads them: 3 little-endian bytes at
// row_bytes[3 * (i % UW_ROWS_PER_BLOCK)] of block i / UW_ROWS_PER_BLOCK.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "unwind.h"

namespace profbufd::unwind::testing {

inline constexpr std::uint32_t kPageOffsetMask = (1u << UW_PAGE_BITS) - 1;

// uw_row: row `i` of the pool `blocks`; nullopt where the block does not exist
// (the walker's bpf_map_lookup_elem failing).
inline std::optional<std::uint32_t> bpf_row(const std::vector<uw_block>& blocks, std::uint32_t i) {
  const std::uint32_t blk = i / UW_ROWS_PER_BLOCK;
  if (blk >= blocks.size()) return std::nullopt;
  const std::uint8_t* r = &blocks[blk].row_bytes[(i & (UW_ROWS_PER_BLOCK - 1)) * UW_ROW_BYTES];
  return r[0] | std::uint32_t{r[1]} << 8 | std::uint32_t{r[2]} << 16;
}

// uw_upper_bound: the first row in [lo, hi) whose page offset lies above
// `off`, with `row(i)` the row at global index i. nullopt if
// UW_ROW_SEARCH_STEPS steps did not finish the search (the walker would use a
// wrong row).
template <typename RowAt>
std::optional<std::uint32_t> bpf_upper_bound(std::uint32_t lo, std::uint32_t hi, std::uint32_t off,
                                             RowAt row) {
  for (int k = 0; k < UW_ROW_SEARCH_STEPS; ++k) {
    if (lo >= hi) break;
    const std::uint32_t mid = (lo + hi) >> 1;
    if (off >= (row(mid) & kPageOffsetMask))
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < hi) return std::nullopt;
  return lo;
}

// uw_find_map: the index of the mapping of `p` holding `pc`, or UW_MAX_MAPS;
// nullopt if UW_MAP_SEARCH_STEPS steps did not finish the search.
inline std::optional<std::uint32_t> bpf_find_map(const uw_proc& p, std::uint64_t pc) {
  std::uint32_t lo = 0, hi = p.n > UW_MAX_MAPS ? UW_MAX_MAPS : p.n;
  for (int k = 0; k < UW_MAP_SEARCH_STEPS; ++k) {
    if (lo >= hi) break;
    const std::uint32_t mid = ((lo + hi) >> 1) & (UW_MAX_MAPS - 1);
    if (p.m[mid].start <= pc)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < hi) return std::nullopt;
  if (lo == 0) return UW_MAX_MAPS;
  const std::uint32_t i = (lo - 1) & (UW_MAX_MAPS - 1);
  return pc >= p.m[i].end ? UW_MAX_MAPS : i;
}

}  // namespace profbufd::unwind::testing
