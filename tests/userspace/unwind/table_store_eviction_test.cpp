// Which tables TableStore evicts when the pools are full: those no live
// process maps first, then the least recently used, never the one being
// published; an evicted table is marked EVICTED in the map before its room
// is reused, and its room waits out the quarantine.
#include "unwind/table_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_fixture.h"
#include "synthetic_table.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::Call;
using testing::dense_table;
using testing::Op;
using testing::StoreFixture;

constexpr std::uint64_t kQuarantine = 50'000'000;

// Four row blocks: four one-block tables fill the pool.
class TableStoreEvictionTest : public ::testing::Test {
 protected:
  TableStoreEvictionTest() : f({4, 64, 64}) {}

  // A one-block table created at the current time + 1 ms.
  std::uint32_t load(const std::string& key) {
    f.clock.advance(1'000'000);
    return f.load(key, dense_table(0x1000, 10));
  }

  // Publishes a one-block table for a new bin into a full pool: first kLater
  // (room freed but quarantined), then loaded once the clock reaches
  // retry_at_ns. Returns the bin.
  std::uint32_t load_after_eviction(const std::string& key) {
    f.clock.advance(1'000'000);
    const std::uint32_t bin = f.new_bin(key);
    const auto later = f.store.publish(bin, dense_table(0x1000, 10));
    EXPECT_TRUE(later);
    if (!later) return bin;
    EXPECT_EQ(later->bytes, 0u);
    EXPECT_EQ(later->retry_at_ns, f.clock.monotonic_ns() + kQuarantine);
    f.clock.set(later->retry_at_ns);
    const auto now = f.store.publish(bin, dense_table(0x1000, 10));
    EXPECT_TRUE(now && now->bytes > 0);
    return bin;
  }

  std::vector<std::uint32_t> evicted(std::uint32_t up_to) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t b = 1; b <= up_to; ++b)
      if (f.store.state(b) == UW_BIN_EVICTED) out.push_back(b);
    return out;
  }

  StoreFixture f;
};

TEST_F(TableStoreEvictionTest, UnmappedTablesGoFirstThenTheLeastRecentlyUsed) {
  const std::uint32_t a = load("a"), b = load("b"), c = load("c"), d = load("d");
  f.store.ref(b);
  f.store.ref(d);
  const std::uint32_t e = load_after_eviction("e");  // a and c are unmapped: a is older
  EXPECT_EQ(evicted(e), std::vector<std::uint32_t>{a});
  f.store.ref(e);
  const std::uint32_t g = load_after_eviction("g");  // c, the last unmapped one
  EXPECT_EQ(evicted(g), (std::vector<std::uint32_t>{a, c}));
  f.store.ref(g);
  f.clock.advance(1'000'000);
  f.store.ref(b);  // b used again: now d is the least recently used
  const std::uint32_t h = load_after_eviction("h");
  EXPECT_EQ(evicted(h), (std::vector<std::uint32_t>{a, c, d}));
  f.store.ref(h);
  const std::uint32_t i = load_after_eviction("i");  // e: ref'd before g, b and h
  EXPECT_EQ(evicted(i), (std::vector<std::uint32_t>{a, c, d, e}));
  EXPECT_EQ(f.store.stats().evictions, 4u);
}

TEST_F(TableStoreEvictionTest, AnUnrefdTableCountsAsUnmappedAgain) {
  const std::uint32_t a = load("a"), b = load("b");
  load("c");
  load("d");
  for (std::uint32_t x = 1; x <= 4; ++x) f.store.ref(x);
  f.store.unref(b);
  f.store.unref(b);  // more unrefs than refs: no underflow
  f.store.ref(a);
  const std::uint32_t e = load_after_eviction("e");
  EXPECT_EQ(evicted(e), std::vector<std::uint32_t>{b});
}

TEST_F(TableStoreEvictionTest, TheEvictedBinIsWrittenEvictedBeforeItsRoomIsReused) {
  const std::uint32_t a = load("a");
  load("b");
  load("c");
  load("d");
  f.io.clear_calls();
  const std::uint32_t e = load_after_eviction("e");
  const std::vector<Call>& c = f.io.calls();
  ASSERT_GE(c.size(), 3u);
  EXPECT_EQ(c[0].op, Op::kBin);  // e, PENDING
  EXPECT_EQ(c[0].key, e);
  EXPECT_EQ(c[1].op, Op::kBin);  // a, EVICTED, before anything of e's table
  EXPECT_EQ(c[1].key, a);
  EXPECT_EQ(c[1].state, static_cast<std::uint32_t>(UW_BIN_EVICTED));
  EXPECT_EQ(c[2].op, Op::kBlock);
  EXPECT_EQ(c[2].key, 0u);  // a's block
  EXPECT_EQ(f.io.bin(e).row_first, 0u);
  EXPECT_EQ(f.io.bin(a).state, static_cast<std::uint32_t>(UW_BIN_EVICTED));
}

TEST_F(TableStoreEvictionTest, AnEvictedTableIsPublishedAgainWhenThereIsRoom) {
  const std::uint32_t a = load("a");
  load("b");
  load("c");
  load("d");
  load_after_eviction("e");
  ASSERT_EQ(f.store.state(a), UW_BIN_EVICTED);
  bool fresh = true;
  EXPECT_EQ(f.store.bin("a", fresh), a);  // still known by its key
  EXPECT_FALSE(fresh);
  f.clock.advance(1'000'000);
  const auto later = f.store.publish(a, dense_table(0x1000, 10));  // evicts b
  ASSERT_TRUE(later);
  f.clock.set(later->retry_at_ns);
  const auto now = f.store.publish(a, dense_table(0x1000, 10));
  ASSERT_TRUE(now);
  EXPECT_GT(now->bytes, 0u);
  EXPECT_EQ(f.store.state(a), UW_BIN_READY);
  EXPECT_EQ(f.store.state(2), UW_BIN_EVICTED);
}

}  // namespace
}  // namespace profbufd::unwind
