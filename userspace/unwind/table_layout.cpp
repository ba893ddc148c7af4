#include "unwind/table_layout.h"

#include <algorithm>
#include <string>

namespace profbufd::unwind {

std::optional<std::uint32_t> RuleInterner::id(const uw_rule& r) {
  const Key k{r.cfa_kind, r.rbp_kind, r.rbp_off, r.cfa_off};
  if (auto it = ids_.find(k); it != ids_.end()) return it->second;
  if (rules_.size() >= UW_MAX_RULES) return std::nullopt;
  const auto id = static_cast<std::uint32_t>(rules_.size());
  rules_.push_back(r);
  ids_.emplace(k, id);
  return id;
}

Result<TableLayout> lay_out(const CfiTable& t, RuleInterner& rules) {
  TableLayout out;
  if (t.rows.size() < 2) return out;  // nothing covered (a lone GAP row at most)
  out.base = t.rows.front().vaddr & ~std::uint64_t{(1u << UW_PAGE_BITS) - 1};
  out.end = t.rows.back().vaddr;
  const std::uint64_t npages = ((out.end - 1 - out.base) >> UW_PAGE_BITS) + 1;
  out.pages.assign(npages, uw_page{0, 0});
  out.rows.reserve(t.rows.size());
  for (const CfiRow& r : t.rows) {
    if (r.vaddr >= out.end) break;  // the final GAP row: the table ends there
    const auto id = rules.id(r.rule);
    if (!id)
      return make_error(ExitCode::kRuntime, "unwind table",
                        "more than " + std::to_string(UW_MAX_RULES) + " distinct rules");
    uw_page& pg = out.pages[(r.vaddr - out.base) >> UW_PAGE_BITS];
    if (pg.n_rows == 0) pg.first_row = static_cast<std::uint32_t>(out.rows.size());
    if (++pg.n_rows > UW_PAGE_MAX_ROWS)
      return make_error(ExitCode::kRuntime, "unwind table",
                        "more than " + std::to_string(UW_PAGE_MAX_ROWS) + " rows in one page");
    out.rows.push_back(static_cast<std::uint32_t>(r.vaddr & 0xffff) | *id << 16);
  }
  // Pages without rows point at the next page's first row: the search over
  // them is empty and the covering row is the one just before.
  std::uint32_t next = static_cast<std::uint32_t>(out.rows.size());
  for (auto it = out.pages.rbegin(); it != out.pages.rend(); ++it) {
    if (it->n_rows == 0)
      it->first_row = next;
    else
      next = it->first_row;
  }
  return out;
}

std::optional<uw_rule> lookup(const TableLayout& t, const RuleInterner& rules,
                              std::uint64_t vaddr) {
  if (vaddr < t.base || vaddr >= t.end) return std::nullopt;
  const uw_page& pg = t.pages.at((vaddr - t.base) >> UW_PAGE_BITS);
  const auto first = t.rows.begin() + pg.first_row;
  const auto low16 = static_cast<std::uint32_t>(vaddr & 0xffff);
  const auto it = std::upper_bound(first, first + pg.n_rows, low16,
                                   [](std::uint32_t v, std::uint32_t row) { return v < (row & 0xffff); });
  if (it == t.rows.begin()) return std::nullopt;
  return rules.rule(*std::prev(it) >> 16);
}

}  // namespace profbufd::unwind
