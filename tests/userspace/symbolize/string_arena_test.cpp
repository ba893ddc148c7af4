#include "symbolize/string_arena.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace profbufd::symbolize {
namespace {

TEST(SymbolizeStringArenaTest, ReturnsWhatWasAdded) {
  StringArena a;
  const auto x = a.add("schedule");
  const auto y = a.add("");
  const auto z = a.add("nft_do_chain");
  EXPECT_EQ(a.get(x), "schedule");
  EXPECT_EQ(a.get(y), "");
  EXPECT_EQ(a.get(z), "nft_do_chain");
}

TEST(SymbolizeStringArenaTest, OffsetsSurviveGrowth) {
  StringArena a;
  std::vector<StringArena::Offset> offsets;
  for (int i = 0; i < 10000; ++i) offsets.push_back(a.add("sym_" + std::to_string(i)));
  a.shrink_to_fit();
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(a.get(offsets[i]), "sym_" + std::to_string(i));
  EXPECT_GE(a.bytes(), 10000u * 5);
}

TEST(SymbolizeStringArenaTest, ClearEmpties) {
  StringArena a;
  a.add("abc");
  a.clear();
  EXPECT_EQ(a.add("xyz"), 0u);
  EXPECT_EQ(a.get(0), "xyz");
}

}  // namespace
}  // namespace profbufd::symbolize
