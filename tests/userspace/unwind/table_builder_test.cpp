// TableBuilder: one build at a time on its own thread, its result announced
// on an eventfd and taken by the caller.
#include "unwind/table_builder.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <thread>

namespace profbufd::unwind {
namespace {

// Waits (up to 10 s: a hung worker fails the test, it does not time it) until
// the builder's eventfd is readable.
bool wait_ready(const TableBuilder& b) {
  pollfd p{b.ready_fd(), POLLIN, 0};
  return ::poll(&p, 1, 10'000) == 1;
}

TableBuild build_of(std::uint32_t bin) {
  TableBuild b;
  b.bin = bin;
  b.key = "key" + std::to_string(bin);
  return b;
}

TEST(TableBuilder, RunsTheWorkOffTheCallersThreadAndHandsBackItsTable) {
  auto builder = TableBuilder::create();
  ASSERT_TRUE(builder);
  TableBuilder& b = **builder;
  EXPECT_FALSE(b.busy());
  EXPECT_FALSE(b.take().has_value());  // nothing submitted

  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> other_thread{false};
  b.submit(build_of(7), [&]() -> Result<CfiTable> {
    other_thread = std::this_thread::get_id() != caller;
    CfiTable t;
    t.rows.push_back(CfiRow{0x1000, uw_rule{}});
    return t;
  });
  EXPECT_TRUE(b.busy());
  ASSERT_TRUE(wait_ready(b));
  std::optional<TableBuilder::Done> done = b.take();
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(other_thread);
  EXPECT_EQ(done->build.bin, 7u);
  EXPECT_EQ(done->build.key, "key7");
  ASSERT_TRUE(done->table);
  ASSERT_EQ(done->table->rows.size(), 1u);
  EXPECT_EQ(done->table->rows[0].vaddr, 0x1000u);
  EXPECT_FALSE(b.busy());
  EXPECT_FALSE(b.take().has_value());  // taken once
}

TEST(TableBuilder, PassesAFailedBuildBackAsItsError) {
  auto builder = TableBuilder::create();
  ASSERT_TRUE(builder);
  TableBuilder& b = **builder;
  for (std::uint32_t bin = 1; bin <= 3; ++bin) {  // one after another, same worker
    b.submit(build_of(bin), [] { return Result<CfiTable>(make_error(ExitCode::kRuntime, "x", "gone")); });
    ASSERT_TRUE(wait_ready(b));
    std::optional<TableBuilder::Done> done = b.take();
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->build.bin, bin);
    ASSERT_FALSE(done->table);
    EXPECT_EQ(done->table.error().why, "gone");
  }
}

TEST(TableBuilder, DestroyingItWaitsForTheBuildInProgress) {
  std::atomic<bool> started{false}, finished{false};
  {
    auto builder = TableBuilder::create();
    ASSERT_TRUE(builder);
    (*builder)->submit(build_of(1), [&]() -> Result<CfiTable> {
      started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
      return CfiTable{};
    });
    while (!started) std::this_thread::yield();
  }
  EXPECT_TRUE(finished);  // the job's captures were still alive for all of it
}

}  // namespace
}  // namespace profbufd::unwind
