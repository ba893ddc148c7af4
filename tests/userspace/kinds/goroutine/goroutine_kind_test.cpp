#include "kinds/goroutine/goroutine_kind.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "profbufd.h"

namespace profbufd::kinds::goroutine {
namespace {

using namespace std::chrono_literals;

// Iterators that are pipes holding `words` (what the BPF side writes per
// thread), or that fail to open.
class FakeIterators final : public TaskIterators {
 public:
  explicit FakeIterators(std::vector<std::uint64_t> words, bool fail = false)
      : words_(std::move(words)), fail_(fail) {}
  Result<Fd> open(std::uint32_t pid) override {
    asked.push_back(pid);
    if (fail_) return make_error(ExitCode::kBpfLoad, "goroutine snapshot", "refused");
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    EXPECT_EQ(write(fds[1], words_.data(), words_.size() * 8),
              static_cast<ssize_t>(words_.size() * 8));
    close(fds[1]);
    return Fd(fds[0]);
  }
  std::uint64_t wakeup_bytes() const override { return 1 << 20; }
  std::vector<std::uint32_t> asked;

 private:
  std::vector<std::uint64_t> words_;
  bool fail_;
};

class Assembly final : public ProfileAssembly {
 public:
  Profile& profile() override { return p; }
  std::uint32_t synthetic(std::string_view) override { return 0; }
  Profile p;
};

std::unique_ptr<Window> window(const GoroutineKind& k, std::vector<std::uint32_t> pids) {
  auto w = std::make_unique<Window>(k.id(), 1, 100, kOpenEnded, 1);
  w->pids = std::move(pids);
  w->books = k.open_books(*w);
  return w;
}

std::int64_t detail(const Profile& p, const std::string& key) {
  for (const auto& [k, v] : p.metadata.details)
    if (k == key) return v;
  return -1;
}

TEST(GoroutineKind, ShapeIsGosGoroutineProfile) {
  const GoroutineKind k;
  const ProfileShape s = k.shape();
  EXPECT_EQ(s.sample_types, (std::vector<ValueType>{{"goroutine", "count"}}));
  EXPECT_EQ(s.default_sample_type, "goroutine");
  EXPECT_EQ(s.period_type, (ValueType{"goroutine", "count"}));
  EXPECT_EQ(s.period, 1);
  EXPECT_EQ(k.name(), "goroutine");
  EXPECT_EQ(k.id(), PROFBUFD_KIND_GOROUTINE);
  EXPECT_EQ(std::vector<Accumulate>(k.accumulators().begin(), k.accumulators().end()),
            (std::vector<Accumulate>{Accumulate::kRecords}));
}

TEST(GoroutineKind, EachRecordIsOneThreadAndLostOnesCountToo) {
  const GoroutineKind k;
  std::array<std::int64_t, 1> v{};
  const std::uint64_t acc[] = {1};
  k.values(acc, v);
  EXPECT_EQ(v[0], 1);
  k.lost_values(4, v);
  EXPECT_EQ(v[0], 4);
}

TEST(GoroutineKind, LabelsAreTheStateAsPsPrintsIt) {
  const GoroutineKind k;
  std::vector<Label> l;
  for (std::uint16_t s = 0; s <= PROFBUFD_TASK_STATES; ++s) k.labels(s, l);
  std::string letters;
  for (const Label& x : l) {
    EXPECT_EQ(x.key, "state");
    EXPECT_FALSE(x.numeric);
    letters += x.str;
  }
  EXPECT_EQ(letters, "RSDTtXZPI?");
  EXPECT_EQ(state_letter(PROFBUFD_TASK_DISK_SLEEP), "D");
  EXPECT_EQ(state_letter(PROFBUFD_TASK_IDLE), "I");
}

TEST(GoroutineKind, ASnapshotReadsEachPidsIteratorOrEveryThreadsAndCounts) {
  const GoroutineKind k(5ms);
  auto it = std::make_shared<FakeIterators>(
      std::vector<std::uint64_t>{8, 16, PROFBUFD_GOROUTINE_DROPPED});
  k.attached(it);
  auto one = window(k, {42});
  EXPECT_TRUE(k.snapshot(*one));
  auto two = window(k, {1, 2});
  EXPECT_TRUE(k.snapshot(*two));
  auto all = window(k, {});
  EXPECT_TRUE(k.snapshot(*all));
  EXPECT_EQ(it->asked, (std::vector<std::uint32_t>{42, 1, 2, 0}));
  Assembly a;
  k.finish(*one, a);
  EXPECT_EQ(detail(a.p, "goroutine_threads"), 2);
  Assembly b;
  k.finish(*two, b);
  EXPECT_EQ(detail(b.p, "goroutine_threads"), 4);
  EXPECT_EQ(detail(a.p, "goroutine_snapshot_error"), 0);
  metrics::MetricWriter m;
  k.write_metrics(m);
  const std::string text = m.text();
  EXPECT_NE(text.find("profbufd_goroutine_snapshots_total 3"), std::string::npos) << text;
  EXPECT_NE(text.find("profbufd_goroutine_threads_total 8"), std::string::npos) << text;
  EXPECT_NE(text.find("profbufd_goroutine_lost_total{reason=\"ringbuf_full\"} 4"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("profbufd_goroutine_snapshot_errors_total 0"), std::string::npos) << text;
}

TEST(GoroutineKind, AnIteratorThatFailsMakesAPartialSnapshotThatSaysSo) {
  const GoroutineKind k(5ms);
  k.attached(std::make_shared<FakeIterators>(std::vector<std::uint64_t>{}, true));
  auto w = window(k, {});
  EXPECT_TRUE(k.snapshot(*w));
  Assembly a;
  k.finish(*w, a);
  EXPECT_NE(detail(a.p, "goroutine_snapshot_error"), 0);
  ASSERT_FALSE(a.p.metadata.comments.empty());
  EXPECT_NE(a.p.metadata.comments[0].find("partial"), std::string::npos);
  metrics::MetricWriter m;
  k.write_metrics(m);
  EXPECT_NE(m.text().find("profbufd_goroutine_snapshot_errors_total 1"), std::string::npos);
}

TEST(GoroutineKind, BeforeTheObjectIsLoadedTheWindowEndsEmptyAndSaysSo) {
  const GoroutineKind k;
  auto w = window(k, {});
  EXPECT_TRUE(k.snapshot(*w));
  Assembly a;
  k.finish(*w, a);
  EXPECT_EQ(detail(a.p, "goroutine_threads"), 0);
  ASSERT_FALSE(a.p.metadata.comments.empty());
  EXPECT_NE(a.p.metadata.comments[0].find("not loaded"), std::string::npos);
  metrics::MetricWriter m;
  k.write_metrics(m);
  EXPECT_EQ(m.text(), "");
}

// The window ends once the reader has routed every record to it.
TEST(GoroutineKind, ASnapshotWaitsForTheReaderToTakeItsRecords) {
  const GoroutineKind k(10s);
  k.attached(std::make_shared<FakeIterators>(std::vector<std::uint64_t>{8, 16}));
  auto w = window(k, {});
  auto done = std::async(std::launch::async, [&] { return k.snapshot(*w); });
  const std::array<std::uint64_t, kRecordHeaderWords> header{};
  EXPECT_EQ(done.wait_for(100ms), std::future_status::timeout);
  w->books->note(header, 0, {});
  EXPECT_EQ(done.wait_for(100ms), std::future_status::timeout);
  w->books->note(header, 0, {});
  ASSERT_EQ(done.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(done.get());
}

TEST(GoroutineKind, SnapshotsTakeTurns) {
  const GoroutineKind k;
  std::optional<Hold> first = k.hold({}, "");
  EXPECT_EQ(first->refusal, Hold::Refusal::kNone);
  EXPECT_NE(first->keep, nullptr);
  auto second = std::async(std::launch::async, [&] { return k.hold({}, ""); });
  EXPECT_EQ(second.wait_for(100ms), std::future_status::timeout);
  first.reset();
  ASSERT_EQ(second.wait_for(10s), std::future_status::ready);
  EXPECT_NE(second.get().keep, nullptr);
}

}  // namespace
}  // namespace profbufd::kinds::goroutine
