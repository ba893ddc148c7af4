// CfiTables made up by the tests, shaped as build_cfi_table makes them: rows
// sorted, neighbours different, a final GAP row.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "unwind/cfi_rows.h"
#include "unwind/table_layout.h"
#include "unwind_test_util.h"

namespace profbufd::unwind::testing {

// Rows at `starts` (strictly increasing) with rules RSP + 8, 16, ... cycling
// through `distinct` of them (>= 2, so neighbours differ), then GAP at `end`.
inline CfiTable synthetic_table(const std::vector<std::uint64_t>& starts, std::uint64_t end,
                                int distinct = 3, std::int32_t first_off = 8) {
  CfiTable t;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    if (i > 0 && starts[i] <= starts[i - 1]) throw std::invalid_argument("rows not sorted");
    const auto off = first_off + 8 * static_cast<std::int32_t>(i % static_cast<std::size_t>(distinct));
    t.rows.push_back(CfiRow{starts[i], rule(UW_CFA_RSP, off)});
  }
  if (!starts.empty() && end <= starts.back()) throw std::invalid_argument("end before rows");
  t.rows.push_back(CfiRow{end, rule(UW_CMD_GAP)});
  return t;
}

// `n` rows `spacing` bytes apart from `base`.
inline CfiTable dense_table(std::uint64_t base, std::size_t n, std::uint64_t spacing = 4,
                            std::int32_t first_off = 8) {
  std::vector<std::uint64_t> starts(n);
  for (std::size_t i = 0; i < n; ++i) starts[i] = base + i * spacing;
  return synthetic_table(starts, base + n * spacing, 3, first_off);
}

// lay_out(t), which the test expects to succeed.
inline TableLayout lay(const CfiTable& t) {
  auto l = lay_out(t);
  if (!l) throw std::runtime_error(l.error().line());
  return std::move(l).value();
}

}  // namespace profbufd::unwind::testing
