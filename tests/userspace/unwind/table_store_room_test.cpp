// When a table does not fit at once: kLater (room freed, quarantined until
// retry_at_ns) and success once the clock has passed it; kNever (too big even
// with every other table evicted): an error, counted in no_room, and the bin
// marked EVICTED.
#include "unwind/table_store.h"

#include <gtest/gtest.h>

#include "store_fixture.h"
#include "synthetic_table.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::dense_table;
using testing::StoreFixture;

constexpr std::uint64_t kQuarantine = 50'000'000;

TEST(TableStoreRoomTest, RoomFreedByEvictionIsUsableOnlyAfterRetryAt) {
  StoreFixture f({2, 64, 64});
  f.clock.set(1'000);
  const std::uint32_t a = f.load("a", dense_table(0x1000, 1500));  // both blocks
  f.clock.set(7'000);
  const std::uint32_t b = f.new_bin("b");
  const auto later = f.store.publish(b, dense_table(0x1000, 10));
  ASSERT_TRUE(later) << later.error().line();
  EXPECT_EQ(later->bytes, 0u);
  EXPECT_EQ(later->retry_at_ns, 7'000 + kQuarantine);
  EXPECT_EQ(f.store.state(a), UW_BIN_EVICTED);
  EXPECT_EQ(f.store.state(b), UW_BIN_PENDING);
  // One nanosecond early: still quarantined, and nothing more to evict.
  f.clock.set(later->retry_at_ns - 1);
  const auto early = f.store.publish(b, dense_table(0x1000, 10));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->bytes, 0u);
  EXPECT_EQ(early->retry_at_ns, 7'000 + kQuarantine);
  EXPECT_EQ(f.store.stats().evictions, 1u);
  f.clock.set(later->retry_at_ns);
  const auto now = f.store.publish(b, dense_table(0x1000, 10));
  ASSERT_TRUE(now);
  EXPECT_GT(now->bytes, 0u);
  EXPECT_EQ(now->retry_at_ns, 0u);
  EXPECT_EQ(f.store.state(b), UW_BIN_READY);
  EXPECT_EQ(f.io.bin(b).row_first, 0u);
}

TEST(TableStoreRoomTest, ATableTooBigForThePoolIsNeverRoomCountedAndEvicted) {
  StoreFixture f({2, 64, 64});
  const std::uint32_t big = f.new_bin("big");
  const auto p = f.store.publish(big, dense_table(0x1000, 2 * UW_ROWS_PER_BLOCK + 1));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().why.find("does not fit in --unwind-table-memory"), std::string::npos);
  EXPECT_EQ(f.store.stats().no_room, 1u);
  EXPECT_EQ(f.store.state(big), UW_BIN_EVICTED);
  EXPECT_EQ(f.io.bin(big).state, static_cast<std::uint32_t>(UW_BIN_EVICTED));
}

TEST(TableStoreRoomTest, PagesAndRulesAreRoomToo) {
  StoreFixture pages({8, 2, 64});
  const auto p = pages.store.publish(pages.new_bin("p"), dense_table(0x1000, 3, 0x1000));
  ASSERT_FALSE(p);  // three pages
  EXPECT_EQ(pages.store.stats().no_room, 1u);
  StoreFixture rules({8, 64, 2});
  const auto r = rules.store.publish(rules.new_bin("r"), dense_table(0x1000, 3));
  ASSERT_FALSE(r);  // three rules
  EXPECT_EQ(rules.store.stats().no_room, 1u);
}

// Regression test (fixed in userspace/unwind/table_store.cpp, make_room): a table that cannot fit
// even in the empty pool still evicts every other table before giving up
// (kNever). The big binary is then EVICTED, so ProcessPublisher queues it
// again for every process that maps it, and each attempt evicts all tables
// anew: the walker falls back to frame pointers everywhere.
TEST(TableStoreRoomTest, ATableLargerThanThePoolEvictsNoOtherTable) {
  StoreFixture f({2, 64, 64});
  const std::uint32_t a = f.load("a", dense_table(0x1000, 10));
  const std::uint32_t big = f.new_bin("big");
  ASSERT_FALSE(f.store.publish(big, dense_table(0x1000, 2 * UW_ROWS_PER_BLOCK + 1)));
  EXPECT_EQ(f.store.stats().no_room, 1u);
  EXPECT_EQ(f.store.state(a), UW_BIN_READY);
  EXPECT_EQ(f.store.stats().evictions, 0u);
}

}  // namespace
}  // namespace profbufd::unwind
