// lay_out() and lookup() on tables made up by the tests: how rows are packed
// (page offset | rule index << 12, 3 bytes), pages with and without rows, the
// limits of a page and of a binary's rules, and lookups checked against the
// rows they were made of and against the walker's own bounded search.
#include "unwind/table_layout.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "packed_layout.h"
#include "synthetic_table.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::dense_table;
using testing::PackedLayout;
using testing::lay;
using testing::rule;
using testing::synthetic_table;

// What lookup() must give: the covering row's rule inside [first row, final GAP).
std::optional<uw_rule> reference(const CfiTable& t, std::uint64_t vaddr) {
  if (t.rows.size() < 2 || vaddr < t.rows.front().vaddr || vaddr >= t.rows.back().vaddr)
    return std::nullopt;
  return testing::covering_rule(t, vaddr);
}

// Every row start, the bytes around it, and `random` addresses around the table.
std::vector<std::uint64_t> probes(const CfiTable& t, int random) {
  std::vector<std::uint64_t> out;
  for (const CfiRow& r : t.rows) {
    out.push_back(r.vaddr);
    out.push_back(r.vaddr - 1);
    out.push_back(r.vaddr + 1);
  }
  std::mt19937_64 rng(7);
  const std::uint64_t first = t.rows.front().vaddr;
  const std::uint64_t lo = first > 5000 ? first - 5000 : 0, span = t.rows.back().vaddr + 5000 - lo;
  for (int i = 0; i < random; ++i) out.push_back(lo + rng() % span);
  return out;
}

std::string str(const std::optional<uw_rule>& r) { return r ? testing::to_string(*r) : "none"; }

// lookup() and the walker's search both give the rows' answer everywhere.
void expect_lookups_agree(const CfiTable& t, const TableLayout& l, int random) {
  const PackedLayout packed(l);
  std::size_t failures = 0;
  for (const std::uint64_t a : probes(t, random)) {
    const auto want = reference(t, a);
    const auto got = lookup(l, a);
    const auto walker = packed.lookup(a);
    if ((want != got || want != walker) && ++failures <= 10)
      ADD_FAILURE() << std::hex << "at 0x" << a << ": rows say " << str(want) << ", lookup "
                    << str(got) << ", walker " << str(walker);
  }
  EXPECT_EQ(failures, 0u);
}

TEST(TableLayoutTest, RowsArePageOffsetAndRuleIndexInThreeBytes) {
  const CfiTable t = synthetic_table({0x3ffe, 0x4001, 0x4abc, 0x5fff}, 0x6000, 3);
  const TableLayout l = lay(t);
  ASSERT_EQ(l.rows.size(), 4u);
  EXPECT_EQ(l.rows[0], 0xffeu | 0u << 12);
  EXPECT_EQ(l.rows[1], 0x001u | 1u << 12);
  EXPECT_EQ(l.rows[2], 0xabcu | 2u << 12);
  EXPECT_EQ(l.rows[3], 0xfffu | 0u << 12);  // RSP + 8 again: rule 0
  ASSERT_EQ(l.rules.size(), 3u);
  EXPECT_EQ(l.rules[0], rule(UW_CFA_RSP, 8));
  EXPECT_EQ(l.rules[1], rule(UW_CFA_RSP, 16));
  EXPECT_EQ(l.rules[2], rule(UW_CFA_RSP, 24));
}

TEST(TableLayoutTest, PackRowWritesThreeLittleEndianBytesAndNoMore) {
  std::uint8_t out[4] = {0xaa, 0xaa, 0xaa, 0xaa};
  pack_row(0xfedabc, out);
  EXPECT_EQ(out[0], 0xbc);
  EXPECT_EQ(out[1], 0xda);
  EXPECT_EQ(out[2], 0xfe);
  EXPECT_EQ(out[3], 0xaa);
  // The walker's uw_row reads back what pack_row wrote, at any index of a block.
  std::vector<uw_block> blocks(2);
  pack_row(0xabc | 4095u << 12, &blocks[1].row_bytes[(UW_ROWS_PER_BLOCK - 1) * UW_ROW_BYTES]);
  pack_row(0x123 | 7u << 12, &blocks[1].row_bytes[0]);
  EXPECT_EQ(testing::bpf_row(blocks, 2 * UW_ROWS_PER_BLOCK - 1), 0xabcu | 4095u << 12);
  EXPECT_EQ(testing::bpf_row(blocks, UW_ROWS_PER_BLOCK), 0x123u | 7u << 12);
  EXPECT_EQ(testing::bpf_row(blocks, 2 * UW_ROWS_PER_BLOCK), std::nullopt);
}

TEST(TableLayoutTest, BaseIsThePageOfTheFirstRowAndEndIsTheFinalGap) {
  const CfiTable t = synthetic_table({0x12345, 0x12400, 0x13ff0, 0x14000}, 0x14a00);
  const TableLayout l = lay(t);
  EXPECT_EQ(l.base, 0x12000u);
  EXPECT_EQ(l.end, 0x14a00u);
  ASSERT_EQ(l.pages.size(), 3u);
  EXPECT_EQ(l.pages[0].first_row, 0u);
  EXPECT_EQ(l.pages[0].n_rows, 2u);
  EXPECT_EQ(l.pages[1].first_row, 2u);
  EXPECT_EQ(l.pages[1].n_rows, 1u);
  EXPECT_EQ(l.pages[2].first_row, 3u);
  EXPECT_EQ(l.pages[2].n_rows, 1u);
  EXPECT_EQ(lookup(l, 0x12344), std::nullopt);  // in the first page, before any row
  EXPECT_EQ(lookup(l, 0x12345), t.rows[0].rule);
  EXPECT_EQ(lookup(l, 0x14a00), std::nullopt);
  EXPECT_EQ(lookup(l, 0x149ff), t.rows[3].rule);
  EXPECT_EQ(lookup(l, 0x11fff), std::nullopt);
}

TEST(TableLayoutTest, PagesWithoutRowsLeadToTheRowBefore) {
  const CfiTable t = synthetic_table({0x1000, 0x1800, 0x5000}, 0x6000);
  const TableLayout l = lay(t);
  ASSERT_EQ(l.pages.size(), 5u);
  for (int p = 1; p <= 3; ++p) {
    EXPECT_EQ(l.pages[p].n_rows, 0u) << p;
    EXPECT_EQ(l.pages[p].first_row, 2u) << p;  // the next row: the search is empty
  }
  EXPECT_EQ(lookup(l, 0x3000), t.rows[1].rule);
  EXPECT_EQ(lookup(l, 0x4fff), t.rows[1].rule);
  EXPECT_EQ(lookup(l, 0x5000), t.rows[2].rule);
  EXPECT_EQ(PackedLayout(l).lookup(0x3000), t.rows[1].rule);
}

TEST(TableLayoutTest, TrailingPagesWithoutRowsPointPastTheLastRow) {
  // The last row starts in page 0; the final GAP lies three pages later.
  const CfiTable t = synthetic_table({0x1000, 0x1010}, 0x4800);
  const TableLayout l = lay(t);
  ASSERT_EQ(l.pages.size(), 4u);
  for (int p = 1; p <= 3; ++p) {
    EXPECT_EQ(l.pages[p].n_rows, 0u) << p;
    EXPECT_EQ(l.pages[p].first_row, 2u) << p;
  }
  EXPECT_EQ(lookup(l, 0x47ff), t.rows[1].rule);
  EXPECT_EQ(PackedLayout(l).lookup(0x47ff), t.rows[1].rule);
}

TEST(TableLayoutTest, BeforeAPagesFirstRowTheRowComesFromThePreviousPage) {
  const CfiTable t = synthetic_table({0x1ff0, 0x2100}, 0x3000);
  const TableLayout l = lay(t);
  EXPECT_EQ(lookup(l, 0x2000), t.rows[0].rule);
  EXPECT_EQ(lookup(l, 0x20ff), t.rows[0].rule);
  EXPECT_EQ(lookup(l, 0x2100), t.rows[1].rule);
  EXPECT_EQ(PackedLayout(l).lookup(0x2000), t.rows[0].rule);
}

TEST(TableLayoutTest, APageHoldsExactlyUwPageMaxRowsAndNotOneMore) {
  // One row per byte: UW_PAGE_MAX_ROWS rows fill one page but its last byte,
  // and the walker's bounded search still finds each of them.
  const CfiTable full = dense_table(0x10000, UW_PAGE_MAX_ROWS, 1);
  const auto ok = lay_out(full);
  ASSERT_TRUE(ok) << ok.error().line();
  ASSERT_EQ(ok->pages.size(), 1u);
  EXPECT_EQ(ok->pages[0].n_rows, static_cast<std::uint32_t>(UW_PAGE_MAX_ROWS));
  expect_lookups_agree(full, *ok, 1000);
  const CfiTable over = dense_table(0x10000, UW_PAGE_MAX_ROWS + 1, 1);
  const auto err = lay_out(over);
  ASSERT_FALSE(err);
  EXPECT_NE(err.error().why.find("more than 4095 rows in one page"), std::string::npos)
      << err.error().line();
}

TEST(TableLayoutTest, RandomTablesAgreeWithTheRows) {
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 30; ++round) {
    std::vector<std::uint64_t> starts;
    std::uint64_t v = 0x400000 + rng() % 0x10000;
    const std::size_t n = 1 + rng() % 3000;
    for (std::size_t i = 0; i < n; ++i) {
      starts.push_back(v);
      // Mostly short rows, sometimes long holes (pages without rows).
      v += rng() % 8 == 0 ? 1 + rng() % 200000 : 1 + rng() % 64;
    }
    const CfiTable t = synthetic_table(starts, v + 1 + rng() % 100, 2 + round % 5);
    SCOPED_TRACE(round);
    expect_lookups_agree(t, lay(t), 5000);
  }
}

TEST(TableLayoutTest, EmptyTablesCoverNothing) {
  const TableLayout none = lay(CfiTable{});
  EXPECT_TRUE(none.rows.empty());
  EXPECT_TRUE(none.pages.empty());
  EXPECT_TRUE(none.rules.empty());
  EXPECT_EQ(lookup(none, 0), std::nullopt);
  EXPECT_EQ(lookup(none, 0x1000), std::nullopt);
  CfiTable lone;
  lone.rows.push_back(CfiRow{0x1000, rule(UW_CMD_GAP)});
  const TableLayout gap = lay(lone);
  EXPECT_TRUE(gap.rows.empty());
  EXPECT_EQ(lookup(gap, 0x1000), std::nullopt);
  EXPECT_EQ(kernel_bytes(gap), 0u);
}

}  // namespace
}  // namespace profbufd::unwind
