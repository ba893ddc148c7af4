// The rules of a laid-out table: each binary has its own, indexed in order of
// first use, at most UW_MAX_BIN_RULES of them, and they count in the table's
// kernel bytes.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "synthetic_table.h"
#include "unwind/table_layout.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::lay;
using testing::rule;
using testing::synthetic_table;

// `n` rows 2 bytes apart, each with a rule of its own (RSP + 8 i), then GAP.
CfiTable distinct_rules(std::size_t n) {
  std::vector<std::uint64_t> starts(n);
  for (std::size_t i = 0; i < n; ++i) starts[i] = 0x100000 + 2 * i;
  return synthetic_table(starts, 0x100000 + 2 * n, static_cast<int>(n), 0);
}

TEST(TableLayoutRulesTest, EachBinaryIndexesItsOwnRulesFromZero) {
  const TableLayout a = lay(synthetic_table({0x1000, 0x1010, 0x1020}, 0x1030, 3, 8));
  const TableLayout b = lay(synthetic_table({0x8000, 0x8010}, 0x8020, 2, 800));
  ASSERT_EQ(a.rules.size(), 3u);  // the final GAP row is the end, not a row
  EXPECT_EQ(a.rules[0], rule(UW_CFA_RSP, 8));
  EXPECT_EQ(a.rules[2], rule(UW_CFA_RSP, 24));
  ASSERT_EQ(b.rules.size(), 2u);
  EXPECT_EQ(b.rules[0], rule(UW_CFA_RSP, 800));
  EXPECT_EQ(b.rules[1], rule(UW_CFA_RSP, 808));
  EXPECT_EQ(b.rows[0] >> 12, 0u);
  EXPECT_EQ(b.rows[1] >> 12, 1u);
}

TEST(TableLayoutRulesTest, AGapInsideTheTableIsARuleLikeAnyOther) {
  CfiTable t = synthetic_table({0x1000, 0x1010}, 0x1020, 2, 8);
  t.rows.back().rule = rule(UW_CMD_GAP);
  t.rows.push_back(CfiRow{0x1100, rule(UW_CFA_RSP, 8)});
  t.rows.push_back(CfiRow{0x1110, rule(UW_CMD_GAP)});
  const TableLayout l = lay(t);
  ASSERT_EQ(l.rows.size(), 4u);  // the inner GAP is a row; the final one the end
  ASSERT_EQ(l.rules.size(), 3u);
  EXPECT_EQ(l.rules[2], rule(UW_CMD_GAP));
  EXPECT_EQ(l.rows[2] >> 12, 2u);
  EXPECT_EQ(l.rows[2] & 0xfff, 0x020u);
  EXPECT_EQ(lookup(l, 0x1050), rule(UW_CMD_GAP));
  EXPECT_EQ(lookup(l, 0x1100), rule(UW_CFA_RSP, 8));
  EXPECT_EQ(l.end, 0x1110u);
}

TEST(TableLayoutRulesTest, UwMaxBinRulesFitAndOneMoreIsAnError) {
  const TableLayout full = lay(distinct_rules(UW_MAX_BIN_RULES));
  ASSERT_EQ(full.rules.size(), static_cast<std::size_t>(UW_MAX_BIN_RULES));
  EXPECT_EQ(full.rows.back() >> 12, static_cast<std::uint32_t>(UW_MAX_BIN_RULES - 1));
  EXPECT_EQ(lookup(full, 0x100000 + 2 * (UW_MAX_BIN_RULES - 1)),
            rule(UW_CFA_RSP, 8 * (UW_MAX_BIN_RULES - 1)));
  const auto err = lay_out(distinct_rules(UW_MAX_BIN_RULES + 1));
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().why.find("more than 4096 distinct rules"), std::string::npos)
      << err.error().line();
}

TEST(TableLayoutRulesTest, RulesDifferingInAnyFieldAreDistinct) {
  const std::vector<uw_rule> rules = {
      rule(UW_CFA_RSP, 16), rule(UW_CFA_RBP, 16), rule(UW_CFA_RSP, 24),
      rule(UW_CFA_RSP, 16, UW_RBP_CFA_OFF, -16), rule(UW_CFA_RSP, 16, UW_RBP_CFA_OFF, -24),
      rule(UW_CFA_RSP, 16, UW_RBP_UNDEF)};
  CfiTable t;
  for (std::size_t i = 0; i < rules.size(); ++i) t.rows.push_back(CfiRow{0x1000 + 4 * i, rules[i]});
  t.rows.push_back(CfiRow{0x1000 + 4 * rules.size(), rule(UW_CMD_GAP)});
  const TableLayout l = lay(t);
  ASSERT_EQ(l.rules.size(), rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(l.rules[i], rules[i]) << i;
    EXPECT_EQ(l.rows[i] >> 12, i) << i;
  }
}

TEST(TableLayoutRulesTest, KernelBytesAreRowsPageEntriesAndRules) {
  const TableLayout l = lay(synthetic_table({0x1000, 0x1004, 0x3000}, 0x3010, 2));
  ASSERT_EQ(l.rows.size(), 3u);
  ASSERT_EQ(l.pages.size(), 3u);
  ASSERT_EQ(l.rules.size(), 2u);
  EXPECT_EQ(kernel_bytes(l), 3 * 3 + 3 * sizeof(uw_page) + 2 * sizeof(uw_rule));
  EXPECT_EQ(kernel_bytes(l), 9u + 24u + 16u);
}

}  // namespace
}  // namespace profbufd::unwind
