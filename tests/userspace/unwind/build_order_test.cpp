#include "unwind/build_order.h"

#include <gtest/gtest.h>

#include <map>

namespace profbufd::unwind {
namespace {

TableBuild queued(std::uint32_t bin, std::uint64_t code_bytes) {
  TableBuild b;
  b.bin = bin;
  b.entry.start = 0x400000;
  b.entry.end = 0x400000 + code_bytes;
  return b;
}

std::uint32_t pick(std::deque<TableBuild>& q, const std::map<std::uint32_t, std::uint32_t>& demand) {
  auto it = next_build(q, [&](std::uint32_t bin) {
    auto d = demand.find(bin);
    return d == demand.end() ? 0u : d->second;
  });
  return it == q.end() ? 0 : it->bin;
}

TEST(BuildOrder, NothingIsBuiltThatNoWalkNeeded) {
  std::deque<TableBuild> q{queued(1, 1 << 20), queued(2, 4096)};
  EXPECT_EQ(pick(q, {}), 0u);
  EXPECT_EQ(pick(q, {{1, 0}, {2, 0}}), 0u);
  std::deque<TableBuild> empty;
  EXPECT_EQ(pick(empty, {{1, 5}}), 0u);
}

TEST(BuildOrder, MostWalksPerByteOfCodeFirst) {
  // A 30 MB compiler wanted by 300 walks loses to a 2 MB libc wanted by 40
  // (20 vs 10 walks per MB), which loses to a 16 KiB program wanted by 5.
  std::deque<TableBuild> q{queued(1, 30 << 20), queued(2, 2 << 20), queued(3, 16 << 10)};
  EXPECT_EQ(pick(q, {{1, 300}, {2, 40}, {3, 5}}), 3u);
  EXPECT_EQ(pick(q, {{1, 300}, {2, 40}}), 2u);
  EXPECT_EQ(pick(q, {{1, 300}, {2, 5}}), 1u);
}

TEST(BuildOrder, EqualWorthGoesInQueueOrderAndTinyMappingsCountAsAPage) {
  std::deque<TableBuild> q{queued(7, 8192), queued(8, 8192), queued(9, 16)};
  EXPECT_EQ(pick(q, {{7, 2}, {8, 2}}), 7u);
  // 1 walk over a 16-byte vDSO-like mapping counts as 1 per 4 KiB: below 3 per 8 KiB.
  EXPECT_EQ(pick(q, {{8, 3}, {9, 1}}), 8u);
}

}  // namespace
}  // namespace profbufd::unwind
