// TableStore::publish() with a FakeMapIo: a new bin is written PENDING; a
// table's row blocks, page entries and rules land where the allocators put
// them, then its descriptor, state READY last; failed writes leave no table.
#include "unwind/table_store.h"

#include <gtest/gtest.h>

#include <vector>

#include "fake_walker.h"
#include "store_fixture.h"
#include "synthetic_table.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::Call;
using testing::dense_table;
using testing::Op;
using testing::StoreFixture;

constexpr TableStore::Limits kLimits{8, 64, 64};

TEST(TableStorePublishTest, ANewBinIsWrittenPendingOnceAndKeepsItsId) {
  StoreFixture f(kLimits);
  bool fresh = false;
  const auto a = f.store.bin("a", fresh);
  ASSERT_EQ(a, 1u);  // 0 is "no table"
  EXPECT_TRUE(fresh);
  ASSERT_EQ(f.io.calls().size(), 1u);
  EXPECT_EQ(f.io.calls()[0].op, Op::kBin);
  EXPECT_EQ(f.io.calls()[0].key, 1u);
  EXPECT_EQ(f.io.calls()[0].state, static_cast<std::uint32_t>(UW_BIN_PENDING));
  EXPECT_EQ(f.store.state(1), UW_BIN_PENDING);
  EXPECT_EQ(f.store.bin("a", fresh), 1u);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(f.store.bin("b", fresh), 2u);
  EXPECT_TRUE(fresh);
  EXPECT_EQ(f.io.calls().size(), 2u);
  EXPECT_EQ(f.store.state(0), UW_BIN_EMPTY);
  EXPECT_EQ(f.store.state(99), UW_BIN_EMPTY);
}

TEST(TableStorePublishTest, RowsPagesAndRulesLandWhereAllocatedThenTheDescriptorStateLast) {
  StoreFixture f(kLimits);
  // The filler takes blocks [0, 2), pages [0, 2), rules [0, 3).
  f.load("filler", dense_table(0x1000, 1500, 4));
  const std::uint32_t bin = f.new_bin("t");
  const CfiTable t = dense_table(0x40000, 1100, 8);  // 2 blocks, 3 pages, 3 rules
  const auto laid = lay_out(t);
  ASSERT_TRUE(laid);
  f.io.clear_calls();
  f.clock.set(5'000);
  const auto p = f.store.publish(bin, t);
  ASSERT_TRUE(p) << p.error().line();
  EXPECT_EQ(p->bytes, kernel_bytes(*laid));
  EXPECT_EQ(p->retry_at_ns, 0u);
  const std::vector<Call>& c = f.io.calls();
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[0].op, Op::kBlock);
  EXPECT_EQ(c[0].key, 2u);
  EXPECT_EQ(c[1].op, Op::kBlock);
  EXPECT_EQ(c[1].key, 3u);
  EXPECT_EQ(c[2].op, Op::kPages);
  EXPECT_EQ(c[2].key, 2u);
  EXPECT_EQ(c[2].count, 3u);
  EXPECT_EQ(c[3].op, Op::kRules);
  EXPECT_EQ(c[3].key, 3u);
  EXPECT_EQ(c[3].count, 3u);
  // The descriptor with its location but the old state, then READY.
  ASSERT_EQ(c[4].op, Op::kBin);
  EXPECT_EQ(c[4].state, static_cast<std::uint32_t>(UW_BIN_PENDING));
  EXPECT_EQ(c[4].bin.row_first, 2u * UW_ROWS_PER_BLOCK);
  EXPECT_EQ(c[4].bin.page_first, 2u);
  EXPECT_EQ(c[4].bin.rule_first, 3u);
  ASSERT_EQ(c[5].op, Op::kBin);
  EXPECT_EQ(c[5].key, bin);
  EXPECT_EQ(c[5].state, static_cast<std::uint32_t>(UW_BIN_READY));
  const uw_bin& d = f.io.bin(bin);
  EXPECT_EQ(d.base, 0x40000u);
  EXPECT_EQ(d.end, 0x40000u + 1100 * 8);
  EXPECT_EQ(d.n_pages, 3u);
  EXPECT_EQ(d.n_rules, 3u);
  EXPECT_EQ(f.store.state(bin), UW_BIN_READY);
}

TEST(TableStorePublishTest, TheWrittenMapsHoldThePackedRowsShiftedPagesAndTheRules) {
  StoreFixture f(kLimits);
  f.load("filler", dense_table(0x1000, 1500, 4));
  const CfiTable t = dense_table(0x40000, 1100, 8);
  const std::uint32_t bin = f.load("t", t);
  const auto l = lay_out(t);
  ASSERT_TRUE(l);
  const std::uint32_t row_first = 2 * UW_ROWS_PER_BLOCK;
  for (std::size_t i = 0; i < l->rows.size(); ++i)
    ASSERT_EQ(testing::bpf_row(f.io.blocks(), row_first + static_cast<std::uint32_t>(i)),
              l->rows[i])
        << i;
  // The block's rest is zeroed, not left from an earlier table.
  EXPECT_EQ(testing::bpf_row(f.io.blocks(), row_first + 1100), 0u);
  for (std::size_t p = 0; p < l->pages.size(); ++p) {
    EXPECT_EQ(f.io.pages()[2 + p].first_row, row_first + l->pages[p].first_row) << p;
    EXPECT_EQ(f.io.pages()[2 + p].n_rows, l->pages[p].n_rows) << p;
  }
  for (std::size_t r = 0; r < l->rules.size(); ++r) EXPECT_EQ(f.io.rules()[3 + r], l->rules[r]);
  const testing::WalkResult w = testing::walk_bin(f.io, bin, 0x40000 + 8 * 1099 + 3);
  EXPECT_EQ(w.what, testing::Walk::kRule);
  EXPECT_EQ(w.rule, t.rows[1099].rule);
}

TEST(TableStorePublishTest, AFailedRowWriteLeavesTheBinPendingAndItsRoomComesBack) {
  StoreFixture f(kLimits);
  const std::uint32_t bin = f.new_bin("t");
  f.io.fail_when([](const Call& c) { return c.op == Op::kBlock; });
  const auto p = f.store.publish(bin, dense_table(0x1000, 10));
  ASSERT_FALSE(p);
  EXPECT_EQ(f.store.state(bin), UW_BIN_PENDING);
  EXPECT_EQ(f.io.bin(bin).state, static_cast<std::uint32_t>(UW_BIN_PENDING));
  EXPECT_EQ(f.store.stats().ready, 0u);
  EXPECT_EQ(f.store.stats().used_bytes, 0u);
  f.io.fail_when(nullptr);
  f.clock.advance(50'000'000);  // the quarantine of what was half written
  const auto again = f.store.publish(bin, dense_table(0x1000, 10));
  ASSERT_TRUE(again) << again.error().line();
  EXPECT_EQ(f.io.bin(bin).row_first, 0u);
  EXPECT_EQ(f.store.state(bin), UW_BIN_READY);
}

// Regression test (fixed in userspace/unwind/table_store.cpp, write_table): the in-memory state is
// set READY before the final put_bin; when that write fails, publish()
// releases the table's room but state() still says READY (and stats() counts
// it ready), so ProcessPublisher never queues the binary again (it rebuilds
// only fresh or EVICTED bins) and its frames fall back for good.
TEST(TableStorePublishTest, AFailedReadyWriteLeavesTheBinNotReady) {
  StoreFixture f(kLimits);
  const std::uint32_t bin = f.new_bin("t");
  f.io.fail_when([](const Call& c) { return c.op == Op::kBin && c.state == UW_BIN_READY; });
  const auto p = f.store.publish(bin, dense_table(0x1000, 10));
  ASSERT_FALSE(p);
  EXPECT_EQ(f.io.bin(bin).state, static_cast<std::uint32_t>(UW_BIN_PENDING));
  EXPECT_NE(f.store.state(bin), UW_BIN_READY);
  EXPECT_EQ(f.store.stats().ready, 0u);
}

TEST(TableStorePublishTest, AnInvalidTableIsAnErrorThatWritesOnlyItsBinAsNoTable) {
  StoreFixture f(kLimits);
  const std::uint32_t bin = f.new_bin("t");
  f.io.clear_calls();
  const auto p = f.store.publish(bin, dense_table(0x1000, UW_PAGE_MAX_ROWS + 1, 1));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().why.find("rows in one page"), std::string::npos);
  ASSERT_EQ(f.io.calls().size(), 1u);
  EXPECT_EQ(f.io.calls()[0].op, Op::kBin);
  EXPECT_EQ(f.io.bin(bin).state, static_cast<std::uint32_t>(UW_BIN_NO_TABLE));
  EXPECT_EQ(f.store.state(bin), UW_BIN_NO_TABLE);
}

}  // namespace
}  // namespace profbufd::unwind
