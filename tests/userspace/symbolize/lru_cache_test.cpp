#include "symbolize/lru_cache.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace profbufd::symbolize {
namespace {

TEST(SymbolizeLruCacheTest, GetReturnsPutValue) {
  LruCache<int, std::string> c(4);
  EXPECT_EQ(c.get(1), nullptr);
  c.put(1, "one");
  ASSERT_NE(c.get(1), nullptr);
  EXPECT_EQ(*c.get(1), "one");
  EXPECT_EQ(c.size(), 1u);
}

TEST(SymbolizeLruCacheTest, EvictsLeastRecentlyUsed) {
  LruCache<int, int> c(3);
  c.put(1, 10);
  c.put(2, 20);
  c.put(3, 30);
  ASSERT_NE(c.get(1), nullptr);  // 1 is now the most recent; 2 the least
  c.put(4, 40);
  EXPECT_TRUE(c.contains(1));
  EXPECT_FALSE(c.contains(2));
  EXPECT_TRUE(c.contains(3));
  EXPECT_TRUE(c.contains(4));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.evictions(), 1u);
  c.put(5, 50);
  EXPECT_FALSE(c.contains(3));
  EXPECT_EQ(c.evictions(), 2u);
}

TEST(SymbolizeLruCacheTest, ReplaceKeepsOneEntryAndUpdatesWeight) {
  LruCache<int, int> c(3, 100);
  c.put(1, 10, 30);
  c.put(1, 11, 50);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.weight(), 50u);
  EXPECT_EQ(*c.get(1), 11);
  EXPECT_EQ(c.evictions(), 0u);
}

TEST(SymbolizeLruCacheTest, EvictsByWeight) {
  LruCache<int, int> c(10, 100);
  c.put(1, 1, 40);
  c.put(2, 2, 40);
  c.put(3, 3, 40);  // 120 > 100: 1 goes
  EXPECT_FALSE(c.contains(1));
  EXPECT_EQ(c.weight(), 80u);
  c.put(4, 4, 90);  // 170: 2 and 3 go
  EXPECT_FALSE(c.contains(2));
  EXPECT_FALSE(c.contains(3));
  EXPECT_EQ(c.weight(), 90u);
  EXPECT_EQ(c.evictions(), 3u);
}

TEST(SymbolizeLruCacheTest, KeepsTheNewestEvenIfAloneTooHeavy) {
  LruCache<int, int> c(10, 100);
  c.put(1, 1, 10);
  int& v = c.put(2, 2, 500);
  EXPECT_EQ(v, 2);
  EXPECT_TRUE(c.contains(2));
  EXPECT_FALSE(c.contains(1));
  EXPECT_EQ(c.size(), 1u);
}

TEST(SymbolizeLruCacheTest, EraseRemoves) {
  LruCache<int, int> c(2, 100);
  c.put(1, 1, 7);
  EXPECT_TRUE(c.erase(1));
  EXPECT_FALSE(c.erase(1));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.weight(), 0u);
  EXPECT_EQ(c.evictions(), 0u);
}

TEST(SymbolizeLruCacheTest, ZeroCapacityIsABrokenInvariant) {
  EXPECT_THROW((LruCache<int, int>(0)), std::invalid_argument);
}

}  // namespace
}  // namespace profbufd::symbolize
