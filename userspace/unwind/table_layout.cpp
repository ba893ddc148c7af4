#include "unwind/table_layout.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

namespace profbufd::unwind {
namespace {

constexpr std::uint32_t kPageMask = (1u << UW_PAGE_BITS) - 1;
constexpr int kRuleShift = UW_PAGE_BITS;

// Rule -> index, one per distinct rule of one binary, in order of first use.
class RuleIndex {
 public:
  explicit RuleIndex(std::vector<uw_rule>& rules) : rules_(rules) {}
  // The index of `r`, or nullopt when UW_MAX_BIN_RULES rules exist already.
  std::optional<std::uint32_t> index(const uw_rule& r) {
    const Key k{r.cfa_kind, r.rbp_kind, r.rbp_off, r.cfa_off};
    if (auto it = ids_.find(k); it != ids_.end()) return it->second;
    if (rules_.size() >= UW_MAX_BIN_RULES) return std::nullopt;
    const auto id = static_cast<std::uint32_t>(rules_.size());
    rules_.push_back(r);
    ids_.emplace(k, id);
    return id;
  }

 private:
  using Key = std::tuple<std::uint8_t, std::uint8_t, std::int16_t, std::int32_t>;
  std::map<Key, std::uint32_t> ids_;
  std::vector<uw_rule>& rules_;
};

// Pages without rows point at the next page's first row: the search over
// them is empty and the covering row is the one just before.
void fill_empty_pages(TableLayout& out) {
  std::uint32_t next = static_cast<std::uint32_t>(out.rows.size());
  for (auto it = out.pages.rbegin(); it != out.pages.rend(); ++it) {
    if (it->n_rows == 0)
      it->first_row = next;
    else
      next = it->first_row;
  }
}

}  // namespace

Result<TableLayout> lay_out(const CfiTable& t) {
  TableLayout out;
  if (t.rows.size() < 2) return out;  // nothing covered (a lone GAP row at most)
  out.base = t.rows.front().vaddr & ~std::uint64_t{kPageMask};
  out.end = t.rows.back().vaddr;
  const std::uint64_t npages = ((out.end - 1 - out.base) >> UW_PAGE_BITS) + 1;
  out.pages.assign(npages, uw_page{0, 0});
  out.rows.reserve(t.rows.size());
  RuleIndex rules(out.rules);
  for (const CfiRow& r : t.rows) {
    if (r.vaddr >= out.end) break;  // the final GAP row: the table ends there
    const auto idx = rules.index(r.rule);
    if (!idx)
      return make_error(ExitCode::kRuntime, "unwind table",
                        "more than " + std::to_string(UW_MAX_BIN_RULES) + " distinct rules");
    uw_page& pg = out.pages[(r.vaddr - out.base) >> UW_PAGE_BITS];
    if (pg.n_rows == 0) pg.first_row = static_cast<std::uint32_t>(out.rows.size());
    if (++pg.n_rows > UW_PAGE_MAX_ROWS)
      return make_error(ExitCode::kRuntime, "unwind table",
                        "more than " + std::to_string(UW_PAGE_MAX_ROWS) + " rows in one page");
    out.rows.push_back(static_cast<std::uint32_t>(r.vaddr & kPageMask) | *idx << kRuleShift);
  }
  fill_empty_pages(out);
  return out;
}

std::optional<uw_rule> lookup(const TableLayout& t, std::uint64_t vaddr) {
  if (vaddr < t.base || vaddr >= t.end) return std::nullopt;
  const uw_page& pg = t.pages.at((vaddr - t.base) >> UW_PAGE_BITS);
  const auto first = t.rows.begin() + pg.first_row;
  const auto off = static_cast<std::uint32_t>(vaddr & kPageMask);
  const auto it = std::upper_bound(first, first + pg.n_rows, off,
                                   [](std::uint32_t v, std::uint32_t row) { return v < (row & kPageMask); });
  if (it == t.rows.begin()) return std::nullopt;
  return t.rules.at(*std::prev(it) >> kRuleShift);
}

}  // namespace profbufd::unwind
