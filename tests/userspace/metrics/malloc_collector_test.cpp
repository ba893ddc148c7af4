#include "metrics/malloc_collector.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "metrics/registry.h"

namespace profbufd::metrics {
namespace {

constexpr std::uint64_t kBig = 64 << 20;  // past any mmap threshold: mapped on its own

TEST(MetricsMallocCollector, ALargeBlockIsInUseAndMappedUntilFreed) {
  const MallocTotals before = read_malloc_totals();
  void* big = std::malloc(kBig);
  ASSERT_NE(big, nullptr);
  std::memset(big, 1, kBig);
  const MallocTotals during = read_malloc_totals();
  std::free(big);
  const MallocTotals after = read_malloc_totals();
  EXPECT_GE(during.in_use_bytes, before.in_use_bytes + kBig);
  EXPECT_GE(during.mmapped_bytes, before.mmapped_bytes + kBig);
  EXPECT_LT(after.mmapped_bytes, during.mmapped_bytes - kBig / 2);
  EXPECT_LT(after.in_use_bytes, during.in_use_bytes - kBig / 2);
}

TEST(MetricsMallocCollector, FreedSmallBlocksAreKeptAsFree) {
  // Many small blocks come from an arena; freeing all but the last keeps them
  // as free chunks below it (the arena cannot shrink past a live top chunk).
  std::vector<void*> blocks;
  for (int i = 0; i < 4096; ++i) blocks.push_back(std::malloc(1000));
  const MallocTotals full = read_malloc_totals();
  for (std::size_t i = 0; i + 1 < blocks.size(); ++i) std::free(blocks[i]);
  const MallocTotals freed = read_malloc_totals();
  std::free(blocks.back());
  EXPECT_LE(freed.in_use_bytes + 3 * 1000 * 1000, full.in_use_bytes);
  EXPECT_GE(freed.free_bytes, full.free_bytes + 3 * 1000 * 1000);
}

TEST(MetricsMallocCollector, WritesThreeGauges) {
  Registry r;
  r.add_collector(malloc_collector());
  const std::string page = r.render();
  for (const char* name : {"profbufd_malloc_in_use_bytes", "profbufd_malloc_free_bytes",
                           "profbufd_malloc_mmapped_bytes"}) {
    EXPECT_NE(page.find("# TYPE " + std::string(name) + " gauge\n"), std::string::npos) << page;
    EXPECT_NE(page.find("\n" + std::string(name) + " "), std::string::npos) << page;
  }
}

}  // namespace
}  // namespace profbufd::metrics
