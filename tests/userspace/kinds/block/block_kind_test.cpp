#include "kinds/block/block_kind.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>

#include "../../scratch_dir.h"
#include "../../core/fake_clock.h"
#include "common/clock.h"
#include "core/profbuf.h"
#include "core/reader.h"
#include "kinds/block/block_books.h"
#include "model/profile_builder.h"
#include "symbolize/symbolizer.h"

namespace profbufd::kinds::block {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

TEST(BlockKind, ShapeIsGosBlockProfile) {
  const BlockKind k(BlockConfig{});
  const ProfileShape s = k.shape();
  EXPECT_EQ(s.sample_types,
            (std::vector<ValueType>{{"contentions", "count"}, {"delay", "nanoseconds"}}));
  EXPECT_EQ(s.default_sample_type, "delay");
  EXPECT_EQ(s.period_type, (ValueType{"contentions", "count"}));
  EXPECT_EQ(s.period, 1);
  EXPECT_EQ(k.name(), "block");
  EXPECT_EQ(k.id(), PROFBUFD_KIND_BLOCK);
  EXPECT_EQ(std::vector<Accumulate>(k.accumulators().begin(), k.accumulators().end()),
            (std::vector<Accumulate>{Accumulate::kRecords, Accumulate::kSpan}));
  std::array<std::int64_t, 2> v{};
  const std::uint64_t acc[] = {3, 60 * kMs};
  k.values(acc, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{3, 60 * kMs}));
  k.lost_values(2, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{2, 0}));
}

// As Go scales sampled block events: each recorded block stands for 1/p.
TEST(BlockKind, SampledBlocksAreScaledByTheInverseProbability) {
  const BlockKind k(BlockConfig{.min_block_ns = 5 * kMs, .sample_probability = 0.25});
  std::array<std::int64_t, 2> v{};
  const std::uint64_t acc[] = {3, 60 * kMs};
  k.values(acc, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{12, 240 * kMs}));
  k.lost_values(1, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{4, 0}));
}

TEST(BlockKind, KeepsNoBooksBeforeItIsAttached) {
  const BlockKind k(BlockConfig{});
  EXPECT_EQ(k.open_books(Window(PROFBUFD_KIND_BLOCK, 2, 0, 10, 1)), nullptr);
}

// The BPF map as the simulation left it at some instant.
class FakeMap final : public BlockedThreads {
 public:
  std::vector<BlockedThread> snapshot() const override { return threads; }
  std::uint64_t untracked() const override { return untracked_n; }
  std::uint64_t too_short() const override { return 0; }
  std::uint64_t unfinished() const override { return unfinished_n; }
  std::vector<BlockedThread> threads;
  std::uint64_t untracked_n = 0;
  std::uint64_t unfinished_n = 0;
};

BlockedThread blocked(std::uint32_t tid, std::uint64_t since, std::uint64_t woken) {
  BlockedThread t;
  t.tid = tid;
  t.pid = 7;
  t.since_ns = since;
  t.woken_ns = woken;
  std::strncpy(t.comm.data(), "blk", t.comm.size());
  return t;
}

void write_block(ProfBuf& b, const TaskIdentity& task, std::uint32_t tid, std::uint64_t woken,
                 std::uint64_t off) {
  RecordHeader h;
  h.pid = 7;
  h.tid = tid;
  h.kind = PROFBUFD_KIND_BLOCK;
  h.value = off;
  h.stack.user_frames = 1;
  const std::uint64_t frame[] = {0x401000};
  b.write(&task, woken, h.pack(), frame);
}

// Records later than the map's reading name threads not to charge again.
TEST(BlockBooks, KeepsTheThreadsOfRecordsLaterThanTheReading) {
  auto map = std::make_shared<FakeMap>();
  BlockBooks books(map);
  RecordHeader h;
  h.tid = 11;
  books.note(h.pack(), monotonic_ns() + 1'000'000'000, {});  // before end(): no reading yet
  EXPECT_TRUE(books.woke_after_reading().empty());
  books.begin();
  books.end();
  h.tid = 12;
  books.note(h.pack(), 1, {});  // older than the reading
  h.tid = 13;
  books.note(h.pack(), monotonic_ns() + 1'000'000'000, {});
  EXPECT_EQ(books.woke_after_reading(), (std::unordered_set<std::uint32_t>{13}));
  ASSERT_TRUE(books.at_end());
}

// Off-CPU time is conserved over the window [1 s, 4 s): the reader clips a
// block that began before the start, and threads still blocked at the end
// are charged up to it from the map read 2 ms after it.
TEST(BlockKind, OffCpuTimeOverAWindowIsConserved) {
  const BlockKind kind(BlockConfig{});
  auto map = std::make_shared<FakeMap>();
  kind.attached(map);
  ProfBuf buf(kRecordHeaderWords, 1 << 16, 1 << 12);
  TaskIdentity task;
  std::strncpy(task.comm.data(), "blk", task.comm.size());
  // tid 10 blocks 19 ms, runs 1 ms: blocks [20k + 5, 20k + 24) ms, records at
  // their ends. The block across the start [985, 1004) counts 4 ms; the one
  // across the end [3985, 4004) is still blocked when the map is read.
  for (std::uint64_t k = 0; 20 * k + 24 < 4002; ++k)
    write_block(buf, task, 10, (20 * k + 24) * kMs, 19 * kMs);
  // tid 12 wakes 1 ms after the end: its record belongs to the next window.
  write_block(buf, task, 12, 4001 * kMs, 11 * kMs);
  map->threads = {blocked(10, 3985 * kMs, 0), blocked(11, 500 * kMs, 0),
                  blocked(12, 3990 * kMs, 4001 * kMs)};
  buf.close();

  ProcessTable processes("/nonexistent", 16);
  testing::FakeClock clock;
  std::vector<const Aggregation*> kinds(PROFBUFD_KIND_BLOCK + 1, nullptr);
  kinds[PROFBUFD_KIND_BLOCK] = &kind;
  Reader reader({&buf}, processes, kinds, nullptr, clock, Reader::Options{});
  auto w = std::make_shared<Window>(PROFBUFD_KIND_BLOCK, 2, 1000 * kMs, 4000 * kMs, 1);
  w->books = kind.open_books(*w);
  ASSERT_NE(w->books, nullptr);
  w->books->begin();
  map->untracked_n = 3;   // the map was full 3 times meanwhile
  map->unfinished_n = 1;  // and one block's thread never returned to user
  std::shared_ptr<Window> closed;
  reader.open_window(w, [&](std::shared_ptr<Window> c) { closed = std::move(c); });
  reader.finish(4000 * kMs);
  w->books->end();
  ASSERT_NE(closed, nullptr);

  test::ScratchDir dir;
  Symbolizer sym(Symbolizer::Options{.procfs_root = dir.path()});
  const Profile p = build_profile(*closed, kind, sym, ProfileContext{.cpus = 1});
  std::map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> by_tid;  // count, delay
  std::int64_t lost = 0;
  for (const Sample& s : p.samples) {
    if (s.comm == "[lost]") lost += s.values[0];
    by_tid[s.tid].first += s.values[0];
    by_tid[s.tid].second += s.values[1];
  }
  // 3000 ms less the 150 ms it ran: 150 blocks ended inside.
  using CountDelay = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(by_tid[10], CountDelay(150, 2850 * kMs));
  EXPECT_EQ(by_tid[11], CountDelay(0, 3000 * kMs));
  EXPECT_EQ(by_tid[12], CountDelay(0, 10 * kMs));
  EXPECT_EQ(lost, 4);
  EXPECT_EQ(p.metadata.lost_samples.at("blocked_map_full"), 3u);
  EXPECT_EQ(p.metadata.lost_samples.at("block_unfinished"), 1u);
}

}  // namespace
}  // namespace profbufd::kinds::block
