#include "core/stack_table.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <vector>

namespace profbufd {
namespace {

using Words = std::vector<std::uint64_t>;

std::map<Words, std::uint64_t> contents(const StackTable& t) {
  std::map<Words, std::uint64_t> m;
  t.for_each([&](const StackTable::Entry& e) {
    m[Words(e.key.begin(), e.key.end())] += e.values[0];
  });
  return m;
}

TEST(StackTable, CountsIdenticalKeys) {
  StackTable t;
  const Words a{1, 2, 3, 4, 0x10, 0x20};
  const Words b{1, 2, 3, 4, 0x10, 0x21};
  EXPECT_TRUE(t.add(a));
  EXPECT_FALSE(t.add(a));
  EXPECT_TRUE(t.add(b));
  EXPECT_FALSE(t.add(a, 5));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.total(), 8u);
  EXPECT_EQ(contents(t), (std::map<Words, std::uint64_t>{{a, 7}, {b, 1}}));
}

TEST(StackTable, PrefixIsADifferentKey) {
  StackTable t;
  t.add(Words{1, 2, 3, 4, 7, 8});
  t.add(Words{1, 2, 3, 4, 7});
  t.add(Words{1, 2, 3, 4});
  EXPECT_EQ(t.size(), 3u);
}

TEST(StackTable, IteratesInInsertionOrder) {
  StackTable t;
  for (std::uint64_t i = 0; i < 1000; ++i) t.add(Words{i, 0, 0, 0, i * 3});
  std::uint64_t expect = 0;
  t.for_each([&](const StackTable::Entry& e) {
    EXPECT_EQ(e.key[0], expect);
    EXPECT_EQ(e.key[4], expect * 3);
    ++expect;
  });
  EXPECT_EQ(expect, 1000u);
}

TEST(StackTable, SeveralAccumulatorsAddElementwise) {
  StackTable t(2);
  const Words k{1, 1, 1, 1, 5};
  const std::uint64_t a[] = {1, 1000};
  const std::uint64_t b[] = {1, 250};
  EXPECT_TRUE(t.add(k, a));
  EXPECT_FALSE(t.add(k, b));
  EXPECT_TRUE(t.add(Words{2, 2, 2, 2}, b));
  EXPECT_EQ(t.total(), 3u);  // accumulator 0
  std::vector<Words> values;
  t.for_each([&](const StackTable::Entry& e) { values.emplace_back(e.values.begin(), e.values.end()); });
  EXPECT_EQ(values, (std::vector<Words>{{2, 1250}, {1, 250}}));
}

TEST(StackTable, AccumulatorCountIsBounded) {
  EXPECT_THROW(StackTable(0), std::invalid_argument);
  EXPECT_THROW(StackTable(StackTable::kMaxAccumulators + 1), std::invalid_argument);
}

TEST(StackTable, ValuesSurviveGrowthBesideTheirKeys) {
  StackTable t(3);
  for (std::uint64_t i = 0; i < 5000; ++i) {
    const std::uint64_t v[] = {1, i, 2 * i};
    t.add(Words{i, 0, 0, 0, i + 7}, v);
  }
  t.for_each([](const StackTable::Entry& e) {
    EXPECT_EQ(e.values[1], e.key[0]);
    EXPECT_EQ(e.values[2], 2 * e.key[0]);
  });
  EXPECT_GT(t.memory_bytes(), 5000u * (5 + 3) * 8);
}

TEST(StackTable, SurvivesRehashWithManyKeys) {
  StackTable t;
  for (int round = 0; round < 3; ++round)
    for (std::uint64_t i = 0; i < 20000; ++i) t.add(Words{i, i >> 3, 9, 9, i ^ 0xabc});
  EXPECT_EQ(t.size(), 20000u);
  EXPECT_EQ(t.total(), 60000u);
  t.for_each([](const StackTable::Entry& e) { EXPECT_EQ(e.values[0], 3u); });
}

}  // namespace
}  // namespace profbufd
