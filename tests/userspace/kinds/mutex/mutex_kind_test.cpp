#include "kinds/mutex/mutex_kind.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>

#include "../../scratch_dir.h"
#include "../../core/fake_clock.h"
#include "core/profbuf.h"
#include "core/reader.h"
#include "kinds/mutex/mutex_books.h"
#include "model/profile_builder.h"
#include "symbolize/symbolizer.h"

namespace profbufd::kinds::mutex {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

TEST(MutexKind, ShapeIsGosMutexProfile) {
  const MutexKind k(MutexConfig{});
  const ProfileShape s = k.shape();
  EXPECT_EQ(s.sample_types,
            (std::vector<ValueType>{{"contentions", "count"}, {"delay", "nanoseconds"}}));
  EXPECT_EQ(s.default_sample_type, "delay");
  EXPECT_EQ(s.period_type, (ValueType{"contentions", "count"}));
  EXPECT_EQ(s.period, 1);
  EXPECT_EQ(k.name(), "mutex");
  EXPECT_EQ(k.id(), PROFBUFD_KIND_MUTEX);
  EXPECT_EQ(k.config().min_wait_ns, 10'000u);
  EXPECT_EQ(std::vector<Accumulate>(k.accumulators().begin(), k.accumulators().end()),
            (std::vector<Accumulate>{Accumulate::kRecords, Accumulate::kSpan}));
  std::array<std::int64_t, 2> v{};
  const std::uint64_t acc[] = {3, 60 * kMs};
  k.values(acc, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{3, 60 * kMs}));
  k.lost_values(2, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 2>{2, 0}));
}

class FakeCounters final : public MutexCounters {
 public:
  profbufd_mutex_counters read() const override { return now; }
  profbufd_mutex_counters now{};
};

TEST(MutexKind, KeepsNoBooksBeforeItIsAttached) {
  const MutexKind k(MutexConfig{});
  EXPECT_EQ(k.open_books(Window(PROFBUFD_KIND_MUTEX, 2, 0, 10, 1)), nullptr);
}

// The books hold what the counters gained between begin() and end(), once.
TEST(MutexBooks, CountWhatHappenedBetweenBeginAndEnd) {
  auto c = std::make_shared<FakeCounters>();
  c->now = {5, 100};
  MutexBooks books(c);
  books.end();  // before begin(): nothing known
  EXPECT_EQ(books.in_window().untracked, 0u);
  MutexBooks b2(c);
  b2.begin();
  c->now = {7, 130};
  b2.end();
  c->now = {9, 170};
  b2.end();  // a second end() changes nothing
  EXPECT_EQ(b2.in_window().untracked, 2u);
  EXPECT_EQ(b2.in_window().too_short, 30u);
}

void write_wait(ProfBuf& b, const TaskIdentity& task, std::uint32_t tid, std::uint64_t ended,
                std::uint64_t waited) {
  RecordHeader h;
  h.pid = 7;
  h.tid = tid;
  h.kind = PROFBUFD_KIND_MUTEX;
  h.value = waited;
  h.stack.user_frames = 1;
  const std::uint64_t frame[] = {0x401000};
  b.write(&task, ended, h.pack(), frame);
}

// Over the window [1 s, 2 s): waits that end inside count, a wait that began
// before the start only from the start, one that ends after belongs to the
// next window; untracked waits are lost samples, short ones a detail.
TEST(MutexKind, AWindowCountsTheWaitsThatEndInItClippedAtItsStart) {
  const MutexKind kind(MutexConfig{.min_wait_ns = 20'000});
  auto counters = std::make_shared<FakeCounters>();
  kind.attached(counters);
  ProfBuf buf(kRecordHeaderWords, 1 << 16, 1 << 12);
  TaskIdentity task;
  std::strncpy(task.comm.data(), "mtx", task.comm.size());
  write_wait(buf, task, 10, 1010 * kMs, 30 * kMs);  // [980, 1010): 10 ms inside
  for (std::uint64_t k = 1; k <= 9; ++k)
    write_wait(buf, task, 10, (1000 + 100 * k) * kMs, 5 * kMs);
  write_wait(buf, task, 11, 2005 * kMs, 50 * kMs);  // ends after the window
  buf.close();

  ProcessTable processes("/nonexistent", 16);
  testing::FakeClock clock;
  std::vector<const Aggregation*> kinds(PROFBUFD_KIND_MUTEX + 1, nullptr);
  kinds[PROFBUFD_KIND_MUTEX] = &kind;
  Reader reader({&buf}, processes, kinds, nullptr, clock, Reader::Options{});
  auto w = std::make_shared<Window>(PROFBUFD_KIND_MUTEX, 2, 1000 * kMs, 2000 * kMs, 1);
  w->books = kind.open_books(*w);
  ASSERT_NE(w->books, nullptr);
  w->books->begin();
  counters->now = {2, 40};
  std::shared_ptr<Window> closed;
  reader.open_window(w, [&](std::shared_ptr<Window> c) { closed = std::move(c); });
  reader.finish(2000 * kMs);
  w->books->end();
  ASSERT_NE(closed, nullptr);

  test::ScratchDir dir;
  Symbolizer sym(Symbolizer::Options{.procfs_root = dir.path()});
  const Profile p = build_profile(*closed, kind, sym, ProfileContext{.cpus = 1});
  std::map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> by_tid;  // count, delay
  std::int64_t lost = 0;
  for (const Sample& s : p.samples) {
    if (s.comm == "[lost]") {
      lost += s.values[0];
      continue;
    }
    by_tid[s.tid].first += s.values[0];
    by_tid[s.tid].second += s.values[1];
  }
  using CountDelay = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(by_tid[10], CountDelay(10, 55 * kMs));
  EXPECT_EQ(by_tid.count(11), 0u);
  EXPECT_EQ(lost, 2);
  EXPECT_EQ(p.metadata.lost_samples.at("futex_untracked"), 2u);
  using Detail = std::pair<std::string, std::int64_t>;
  const auto& d = p.metadata.details;
  EXPECT_NE(std::find(d.begin(), d.end(), Detail("mutex_too_short", 40)), d.end());
  EXPECT_NE(std::find(d.begin(), d.end(), Detail("mutex_min_ns", 20'000)), d.end());
}

}  // namespace
}  // namespace profbufd::kinds::mutex
