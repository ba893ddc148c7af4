// TableStore's bin ids (uw_bins has UW_MAX_BINS entries, 0 meaning "no
// table") and its stats.
#include "unwind/table_store.h"

#include <gtest/gtest.h>

#include <string>

#include "store_fixture.h"
#include "synthetic_table.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::dense_table;
using testing::StoreFixture;

// Takes every bin id (1 .. UW_MAX_BINS - 1), each created 1 ns after the one
// before, ref'd unless `unmapped(id)`.
template <typename Unmapped>
void fill_bins(StoreFixture& f, Unmapped unmapped) {
  for (std::uint32_t i = 1; i < UW_MAX_BINS; ++i) {
    f.clock.advance(1);
    ASSERT_EQ(f.new_bin("k" + std::to_string(i)), i);
    if (!unmapped(i)) f.store.ref(i);
  }
}

TEST(TableStoreBinsTest, IdsAreReusedOnlyFromUnmappedBinariesLeastRecentFirst) {
  StoreFixture f({8, 64, 64});
  fill_bins(f, [](std::uint32_t i) { return i == 700 || i == 300; });
  bool fresh = false;
  EXPECT_EQ(f.store.bin("new1", fresh), 300u);  // created before 700
  EXPECT_TRUE(fresh);
  f.store.ref(300);
  EXPECT_EQ(f.store.bin("new2", fresh), 700u);
  EXPECT_TRUE(fresh);
  f.store.ref(700);
  EXPECT_EQ(f.store.bin("new3", fresh), std::nullopt);  // every other one is mapped
  EXPECT_FALSE(fresh);
  // The old keys are forgotten; the new ones keep the ids.
  EXPECT_EQ(f.store.bin("new1", fresh), 300u);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(f.store.bin("k299", fresh), 299u);
  EXPECT_FALSE(fresh);
  EXPECT_EQ(f.store.stats().binaries, static_cast<std::uint64_t>(UW_MAX_BINS - 1));
}

TEST(TableStoreBinsTest, AReusedIdLosesItsTableAndStartsPending) {
  StoreFixture f({8, 64, 64});
  const std::uint32_t first = f.load("k1", dense_table(0x1000, 10));
  ASSERT_EQ(first, 1u);
  for (std::uint32_t i = 2; i < UW_MAX_BINS; ++i) {
    f.clock.advance(1);
    ASSERT_EQ(f.new_bin("k" + std::to_string(i)), i);
    f.store.ref(i);
  }
  f.io.clear_calls();
  bool fresh = false;
  ASSERT_EQ(f.store.bin("other", fresh), 1u);
  ASSERT_EQ(f.io.calls().size(), 2u);
  EXPECT_EQ(f.io.calls()[0].state, static_cast<std::uint32_t>(UW_BIN_EVICTED));
  EXPECT_EQ(f.io.calls()[1].state, static_cast<std::uint32_t>(UW_BIN_PENDING));
  EXPECT_EQ(f.store.state(1), UW_BIN_PENDING);
  EXPECT_EQ(f.store.stats().evictions, 1u);
  EXPECT_EQ(f.store.stats().ready, 0u);
  EXPECT_EQ(f.store.stats().used_bytes, 0u);
}

TEST(TableStoreBinsTest, StatsCountCapacityUsedRowsAndRulesOfReadyTables) {
  StoreFixture f({8, 64, 32});
  TableStoreStats s = f.store.stats();
  EXPECT_EQ(s.capacity_bytes, 8u * 3072 + 64u * 8 + 32u * 8);
  EXPECT_EQ(s.used_bytes, 0u);
  f.load("a", dense_table(0x1000, 1500, 4));       // 2 blocks, 2 pages, 3 rules
  f.load("b", dense_table(0x40000, 10, 4, 800));   // 1 block, 1 page, 3 rules
  f.new_bin("pending");
  s = f.store.stats();
  EXPECT_EQ(s.binaries, 3u);
  EXPECT_EQ(s.ready, 2u);
  EXPECT_EQ(s.rows, 1510u);
  EXPECT_EQ(s.rules, 6u);
  EXPECT_EQ(s.used_bytes, 3u * 3072 + 3u * 8 + 6u * 8);  // whole blocks
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.no_room, 0u);
}

}  // namespace
}  // namespace profbufd::unwind
