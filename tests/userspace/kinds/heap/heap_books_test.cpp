// The heap kind's in-use books: records noted under their stacks, matched at
// the end to the live allocations BPF names by (tid, time), and the values
// the kind makes of them.
#include "kinds/heap/heap_books.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "core/record.h"
#include "core/window.h"
#include "kinds/heap/heap_kind.h"
#include "profbufd.h"

namespace profbufd::kinds::heap {
namespace {

class LiveProber final : public HeapProber {
 public:
  Hold acquire(std::uint32_t, bool) override { return Hold::held(std::make_shared<int>(1)); }
  profbufd_heap_counters counters() const override { return now; }
  std::vector<profbufd_heap_live> live(std::uint32_t pid) const override {
    asked.push_back(pid);
    return entries;
  }
  profbufd_heap_counters now{};
  std::vector<profbufd_heap_live> entries;
  mutable std::vector<std::uint32_t> asked;
};

RecordHeader::Words record(std::uint32_t tid, std::uint64_t bytes) {
  RecordHeader h;
  h.pid = 7;
  h.tid = tid;
  h.kind = PROFBUFD_KIND_HEAP;
  h.value = bytes;
  return h.pack();
}

const std::vector<std::uint64_t> kStackA = {7, 1, 0, 0, 0x1000, 0x2000};
const std::vector<std::uint64_t> kStackB = {7, 1, 0, 0, 0x3000};

TEST(HeapBooks, LiveAllocationsCountInTheStackOfTheRecordThatSampledThem) {
  auto prober = std::make_shared<LiveProber>();
  HeapBooks books(prober, 7, /*start_ns=*/100, /*in_use=*/true);
  prober->now.calls = 10;
  books.begin();
  books.note(record(1, 4096), 200, kStackA);
  books.note(record(1, 4096), 300, kStackA);
  books.note(record(2, 512), 300, kStackB);  // same time, other thread
  books.note(record(2, 8192), 400, kStackB);
  // Live at the end: both of A's, B's second; one of this window's time
  // whose record was never noted (lost in the ring); one from before the
  // window (another request's).
  prober->entries = {{200, 4096, 1, 0}, {300, 4096, 1, 0}, {400, 8192, 2, 0},
                     {350, 64, 3, 0},   {50, 1 << 20, 1, 0}};
  prober->now.calls = 25;
  prober->now.freed = 1;
  prober->now.live_full = 2;
  books.end();
  EXPECT_EQ(prober->asked, (std::vector<std::uint32_t>{7}));
  const InUse a = books.in_use(kStackA), b = books.in_use(kStackB);
  EXPECT_EQ(a.objects, 2u);
  EXPECT_EQ(a.bytes, 8192u);
  EXPECT_EQ(b.objects, 1u);
  EXPECT_EQ(b.bytes, 8192u);
  const std::vector<std::uint64_t> other = {7, 1, 0, 0, 0x9999};
  EXPECT_EQ(books.in_use(other).objects, 0u);
  EXPECT_EQ(books.unmatched(), 1u) << "the 350 ns one; the 50 ns one is not this window's";
  EXPECT_EQ(books.unnoted(), 0u);
  EXPECT_EQ(books.counted().calls, 15u);
  EXPECT_EQ(books.counted().freed, 1u);
  EXPECT_EQ(books.counted().live_full, 2u);
}

TEST(HeapBooks, KindScalesInUseFromTheWindowsBooks) {
  const HeapKind k(HeapConfig{.rate = 4096});
  auto prober = std::make_shared<LiveProber>();
  k.attached(prober);
  Window w(PROFBUFD_KIND_HEAP, 2, 100, kOpenEnded, 1);
  w.pids = {7};
  w.default_sample_type = "inuse_space";
  w.books = k.open_books(w);
  ASSERT_NE(w.books, nullptr);
  w.books->begin();
  w.books->note(record(1, 4096), 200, kStackA);
  w.books->note(record(1, 4096), 300, kStackA);
  prober->entries = {{300, 4096, 1, 0}};  // the first was freed
  w.books->end();
  std::array<std::int64_t, 4> v{};
  const std::uint64_t acc[] = {2, 2 * 4096};
  k.stack_values(w, kStackA, acc, v);
  const double scale = 1.0 / (1.0 - std::exp(-1.0));
  EXPECT_EQ(v[0], static_cast<std::int64_t>(2 * scale));
  EXPECT_EQ(v[1], static_cast<std::int64_t>(2 * 4096 * scale));
  EXPECT_EQ(v[2], static_cast<std::int64_t>(1 * scale));
  EXPECT_EQ(v[3], static_cast<std::int64_t>(4096 * scale));
  k.stack_values(w, kStackB, acc, v);
  EXPECT_EQ(v[2], 0);
  EXPECT_EQ(v[3], 0);
}

// An allocs window (no frees probed) keeps no records and reads no live map.
TEST(HeapBooks, WithoutInUseNothingIsNotedOrRead) {
  auto prober = std::make_shared<LiveProber>();
  HeapBooks books(prober, 7, 100, /*in_use=*/false);
  EXPECT_FALSE(books.tracks_in_use());
  books.begin();
  books.note(record(1, 4096), 200, kStackA);
  prober->entries = {{200, 4096, 1, 0}};
  prober->now.calls = 3;
  books.end();
  EXPECT_TRUE(prober->asked.empty());
  EXPECT_EQ(books.in_use(kStackA).objects, 0u);
  EXPECT_EQ(books.counted().calls, 3u);
}

TEST(HeapBooks, OnlyAWindowOfOnePidHasBooks) {
  const HeapKind k(HeapConfig{});
  Window w(PROFBUFD_KIND_HEAP, 2, 100, kOpenEnded, 1);
  w.pids = {7};
  EXPECT_EQ(k.open_books(w), nullptr) << "not loaded";
  k.attached(std::make_shared<LiveProber>());
  w.pids = {7, 8};
  EXPECT_EQ(k.open_books(w), nullptr);
  w.pids = {7};
  EXPECT_NE(k.open_books(w), nullptr);
}

}  // namespace
}  // namespace profbufd::kinds::heap
