#include "core/reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "common/clock.h"
#include "core/record.h"
#include "fake_clock.h"

namespace profbufd {
namespace {

constexpr std::uint16_t kCpu = PROFBUFD_KIND_CPU;
constexpr std::uint16_t kOther = 5;  // a second kind, summing values

TaskIdentity task(const char* name, std::uint32_t id = 1) {
  TaskIdentity t;
  std::strncpy(t.comm.data(), name, t.comm.size());
  t.id = id;
  return t;
}

struct Rec {
  std::uint64_t time;
  std::uint32_t pid = 1, tid = 1, cpu = 0;
  std::vector<std::uint64_t> kernel = {}, user = {};
  std::uint16_t kind = kCpu;
  std::uint64_t value = 1;
  std::uint16_t flags = 0;
};

void write(ProfBuf& b, const TaskIdentity& t, const Rec& r) {
  RecordHeader h;
  h.pid = r.pid;
  h.tid = r.tid;
  h.cpu = r.cpu;
  h.kind = r.kind;
  h.flags = r.flags;
  h.value = r.value;
  h.stack.kernel_frames = static_cast<std::uint16_t>(r.kernel.size());
  h.stack.user_frames = static_cast<std::uint16_t>(r.user.size());
  std::vector<std::uint64_t> stk = r.kernel;
  stk.insert(stk.end(), r.user.begin(), r.user.end());
  b.write(&t, r.time, h.pack(), stk);
}

// One tick per record (the CPU kind's aggregation).
const Aggregation kTicks;

// Two accumulators: records and the sum of their values.
class SumValues final : public Aggregation {
 public:
  std::span<const Accumulate> accumulators() const override {
    static constexpr Accumulate kRecipe[] = {Accumulate::kRecords, Accumulate::kValue};
    return kRecipe;
  }
};
const SumValues kSums;

std::shared_ptr<Window> window(std::uint64_t start, std::uint64_t end, std::size_t ncpu,
                               std::uint16_t kind = kCpu) {
  return std::make_shared<Window>(kind, kind == kCpu ? 1 : 2, start, end, ncpu);
}

struct Harness {
  explicit Harness(std::size_t ncpu, std::size_t bufwords = 4096) {
    for (std::size_t i = 0; i < ncpu; ++i)
      bufs.push_back(std::make_unique<ProfBuf>(kRecordHeaderWords, bufwords, bufwords / 8));
  }
  std::vector<ProfBuf*> ptrs() {
    std::vector<ProfBuf*> v;
    for (auto& b : bufs) v.push_back(b.get());
    return v;
  }
  std::vector<const Aggregation*> kinds() {
    std::vector<const Aggregation*> k(kOther + 1, nullptr);
    k[kCpu] = &kTicks;
    k[kOther] = &kSums;
    return k;
  }
  std::unique_ptr<Reader> reader(Reader::DropCounter drops = nullptr, Reader::Options o = {}) {
    return std::make_unique<Reader>(ptrs(), processes, kinds(), std::move(drops), clock, o);
  }
  void close_all() {
    for (auto& b : bufs) b->close();
  }
  Reader::OnClosed collect() {
    return [this](std::shared_ptr<Window> w) { closed.push_back(std::move(w)); };
  }
  std::vector<std::unique_ptr<ProfBuf>> bufs;
  std::vector<std::shared_ptr<Window>> closed;  // written by the reader thread, read after finish
  testing::FakeClock clock;
  std::shared_ptr<ProcessEnds> ends = std::make_shared<ProcessEnds>();
  ProcessTable processes{"/proc", 16, ends, clock};
};

std::vector<std::uint64_t> values_of(const Window& w) {
  std::vector<std::uint64_t> v;
  w.stacks.for_each([&](const StackTable::Entry& e) { v.insert(v.end(), e.values.begin(), e.values.end()); });
  return v;
}

TEST(Reader, AggregatesIdenticalStacksAcrossCpus) {
  Harness h(2);
  const TaskIdentity spin = task("spin", 3);
  write(*h.bufs[0], spin, {.time = 10, .pid = 7, .tid = 8, .cpu = 0, .kernel = {0xffff1}, .user = {0x401000, 0x402000}});
  write(*h.bufs[0], spin, {.time = 11, .pid = 7, .tid = 8, .cpu = 0, .kernel = {0xffff1}, .user = {0x401000, 0x402000}});
  write(*h.bufs[1], spin, {.time = 12, .pid = 7, .tid = 8, .cpu = 1, .kernel = {0xffff1}, .user = {0x401000, 0x402000}});
  write(*h.bufs[1], spin, {.time = 13, .pid = 7, .tid = 9, .cpu = 1, .user = {0x401000}});
  h.close_all();

  auto r = h.reader();
  auto w = window(0, kOpenEnded, 2);
  r->open_window(w, h.collect());
  r->start();
  r->finish(1000);

  ASSERT_EQ(h.closed.size(), 1u);
  const Window& got = *h.closed[0];
  EXPECT_EQ(got.end_ns, 1000u);
  EXPECT_EQ(got.stacks.total(), 4u);
  EXPECT_EQ(got.stacks.size(), 2u);
  EXPECT_EQ(got.records_by_cpu, (std::vector<std::uint64_t>{2, 2}));
  EXPECT_EQ(r->samples(), 4u);
  EXPECT_EQ(r->lost(), 0u);
  EXPECT_EQ(values_of(got), (std::vector<std::uint64_t>{3, 1}));
  got.stacks.for_each([&](const StackTable::Entry& e) {
    EXPECT_EQ(static_cast<std::uint32_t>(e.key[StackTable::kPidTidWord]), 7u);
    EXPECT_EQ(e.key[StackTable::kTaskWord], StackTable::task_word(3, 0));
  });
}

TEST(Reader, ClosedWindowNamesItsTasksWithoutTheInterner) {
  Harness h(1);
  auto t = std::make_unique<TaskIdentity>(task("short-lived", 42));
  write(*h.bufs[0], *t, {.time = 5, .kernel = {0x1}});
  h.close_all();
  auto r = h.reader();
  auto w = window(0, kOpenEnded, 1);
  r->open_window(w, h.collect());
  r->finish(10);  // no thread: finish() runs the passes itself
  t.reset();      // the capture (and its interner) are gone
  ASSERT_EQ(w->tasks.size(), 1u);
  EXPECT_STREQ(w->tasks.at(42).data(), "short-lived");
}

TEST(Reader, WindowsTakeOnlyRecordsOfTheirKind) {
  Harness h(1);
  const TaskIdentity t = task("t");
  write(*h.bufs[0], t, {.time = 1, .kernel = {0x1}});
  write(*h.bufs[0], t, {.time = 2, .kernel = {0x1}, .kind = kOther, .value = 1000});
  write(*h.bufs[0], t, {.time = 3, .kernel = {0x1}, .kind = kOther, .value = 500});
  write(*h.bufs[0], t, {.time = 4, .kernel = {0x1}, .kind = 6});  // nobody's kind
  h.close_all();
  auto r = h.reader();
  auto cpu = window(0, kOpenEnded, 1);
  auto other = window(0, kOpenEnded, 1, kOther);
  r->open_window(cpu, h.collect());
  r->open_window(other, h.collect());
  r->finish(10);
  EXPECT_EQ(values_of(*cpu), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(values_of(*other), (std::vector<std::uint64_t>{2, 1500}));
  EXPECT_EQ(r->unknown_kind(), 1u);
  EXPECT_EQ(r->samples(), 4u);
}

class NoAccumulators final : public Aggregation {
 public:
  std::span<const Accumulate> accumulators() const override { return {}; }
};

TEST(Reader, AKindWithoutAccumulatorsIsABrokenInvariant) {
  Harness h(1);
  const NoAccumulators none;
  EXPECT_THROW(Reader(h.ptrs(), h.processes, {&none}, nullptr, h.clock, {}),
               std::invalid_argument);
}

TEST(Reader, FlagsSplitStacks) {
  Harness h(1);
  const TaskIdentity t = task("t");
  write(*h.bufs[0], t, {.time = 1, .kernel = {0x1}, .flags = 1});
  write(*h.bufs[0], t, {.time = 2, .kernel = {0x1}, .flags = 2});
  h.close_all();
  auto r = h.reader();
  auto w = window(0, kOpenEnded, 1);
  r->open_window(w, h.collect());
  r->finish(10);
  EXPECT_EQ(w->stacks.size(), 2u);
}

TEST(Reader, RotationSplitsByTimeAndAbsorbsLateSamples) {
  Harness h(1);
  const TaskIdentity t = task("t");
  write(*h.bufs[0], t, {.time = 150, .kernel = {0x1}});
  write(*h.bufs[0], t, {.time = 250, .kernel = {0x2}});
  write(*h.bufs[0], t, {.time = 260, .kernel = {0x2}});
  h.close_all();

  auto r = h.reader();
  auto first = window(100, kOpenEnded, 1);
  first->absorb_earlier = true;
  r->open_window(first, h.collect());
  auto second = window(0, kOpenEnded, 1);
  r->rotate(first, second, 200, h.collect());
  EXPECT_EQ(second->start_ns, 200u);
  r->start();
  r->finish(5000);

  ASSERT_EQ(h.closed.size(), 2u);
  EXPECT_EQ(h.closed[0], first);
  EXPECT_EQ(first->end_ns, 200u);
  EXPECT_EQ(first->stacks.total(), 1u);
  EXPECT_EQ(second->stacks.total(), 2u);
  EXPECT_EQ(second->end_ns, 5000u);
}

TEST(Reader, HandsAWindowOverOnlyAfterItsGracePeriod) {
  Harness h(1);
  const TaskIdentity t = task("t");
  auto r = h.reader(nullptr, {.period = std::chrono::milliseconds(50),
                              .grace = std::chrono::milliseconds(300)});
  auto first = window(0, kOpenEnded, 1);
  r->open_window(first, h.collect());
  auto second = window(0, kOpenEnded, 1);
  r->rotate(first, second, 1'000'000'000, h.collect());
  h.clock.set(1'200'000'000);
  // A record of the first window arriving late, within the grace period.
  write(*h.bufs[0], t, {.time = 999'000'000, .kernel = {0x1}});
  r->run_pass();
  EXPECT_TRUE(h.closed.empty());
  h.clock.set(1'300'000'000);
  r->run_pass();
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0], first);
  EXPECT_EQ(first->stacks.total(), 1u);
  // Later still: the successor takes records older than its start.
  write(*h.bufs[0], t, {.time = 998'000'000, .kernel = {0x1}});
  h.close_all();
  r->finish(2'000'000'000);
  EXPECT_EQ(second->stacks.total(), 1u);
}

TEST(Reader, OverlappingWindowsBothGetTheSample) {
  Harness h(1);
  const TaskIdentity t = task("t");
  write(*h.bufs[0], t, {.time = 500, .kernel = {0x1}});
  write(*h.bufs[0], t, {.time = 50, .kernel = {0x1}});
  h.close_all();
  auto r = h.reader();
  auto file = window(0, kOpenEnded, 1);
  auto request = window(400, kOpenEnded, 1);
  r->open_window(file, h.collect());
  r->open_window(request, h.collect());
  r->start();
  r->finish(1000);
  EXPECT_EQ(file->stacks.total(), 2u);
  EXPECT_EQ(request->stacks.total(), 1u);  // the sample at 50 predates it
}

TEST(Reader, ProfBufOverflowBecomesLostCountOfItsCpu) {
  // 64-word ring: each record takes 2 + 5 + 1 = 8 words, so most of 100 writes
  // overflow before the reader runs.
  Harness h(2, 64);
  const TaskIdentity t = task("t");
  for (int i = 0; i < 100; ++i)
    write(*h.bufs[1], t, {.time = 10u + i, .cpu = 1, .kernel = {0x1}});
  h.close_all();
  auto r = h.reader();
  auto w = window(0, kOpenEnded, 2);
  w->absorb_earlier = true;
  r->open_window(w, h.collect());
  r->start();
  r->finish(1000);
  const std::uint64_t kept = w->stacks.total();
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, 100u);
  EXPECT_EQ(w->profbuf_overflow_by_cpu[0], 0u);
  EXPECT_EQ(w->profbuf_overflow_by_cpu[1], 100u - kept);
  EXPECT_EQ(w->lost(), 100u - kept);
  EXPECT_EQ(r->lost(), 100u - kept);
  EXPECT_EQ(r->profbuf_overflow(), 100u - kept);
  EXPECT_EQ(r->ringbuf_full(), 0u);
  EXPECT_EQ(r->samples(), kept);
}

TEST(Reader, RingbufDropsAreChargedToOpenWindowsOfTheirKind) {
  Harness h(1);
  h.close_all();
  std::atomic<std::uint64_t> drops{5};  // before start: charged too (sampling ran)
  auto r = h.reader([&] {
    std::vector<std::uint64_t> v(kOther + 1, 0);
    v[kCpu] = drops.load() + 7;
    v[kOther] = 4;
    return v;
  });
  auto w = window(0, kOpenEnded, 1);
  auto other = window(0, kOpenEnded, 1, kOther);
  r->open_window(w, h.collect());
  r->open_window(other, h.collect());
  r->start();
  drops = 12;
  r->finish(1);
  // The reader's last pass runs after finish() was called, so it sees 12 + 7.
  EXPECT_EQ(w->ringbuf_full, 19u);
  EXPECT_EQ(other->ringbuf_full, 4u);
  EXPECT_EQ(r->lost(), 23u);
  EXPECT_EQ(r->ringbuf_full(), 23u);
  EXPECT_EQ(r->profbuf_overflow(), 0u);
}

TEST(Reader, DropsBetweenWindowsGoToTheNewest) {
  Harness h(1);
  std::vector<std::uint64_t> drops{0};
  auto r = h.reader([&] { return drops; });
  auto first = window(0, kOpenEnded, 1);
  r->open_window(first, h.collect());
  auto second = window(0, kOpenEnded, 1);
  r->rotate(first, second, 100, h.collect());
  r->end_window(second, 200);
  h.clock.set(250);  // past both ends, within their grace
  drops = {3};
  r->run_pass();
  EXPECT_EQ(first->ringbuf_full, 0u);
  EXPECT_EQ(second->ringbuf_full, 3u);
  h.close_all();
  r->finish(300);
}

TEST(Reader, CountsSamplesWithoutAStackAndFiltersByPid) {
  Harness h(1);
  const TaskIdentity t = task("t");
  RecordHeader broken;
  broken.pid = 5;
  broken.tid = 5;
  broken.stack.kernel_frames = 1;
  broken.stack.user_status = PROFBUFD_STACK_ERROR;
  broken.stack.user_errno = 14;
  const std::uint64_t stk[] = {0x1};
  h.bufs[0]->write(&t, 10, broken.pack(), stk);
  write(*h.bufs[0], t, {.time = 11, .pid = 6, .tid = 6, .kernel = {0x1}, .user = {0x2}});
  h.close_all();
  auto r = h.reader();
  auto all = window(0, kOpenEnded, 1);
  auto only6 = window(0, kOpenEnded, 1);
  only6->pids = {6};
  r->open_window(all, h.collect());
  r->open_window(only6, h.collect());
  r->start();
  r->finish(100);
  EXPECT_EQ(r->stack_unavailable(), 1u);
  EXPECT_EQ(all->stacks.total(), 2u);
  EXPECT_EQ(only6->stacks.total(), 1u);
}

class CountingBooks final : public WindowBooks {
 public:
  void note(HeaderWords header, std::uint64_t, std::span<const std::uint64_t>) override {
    pids.push_back(RecordHeader::unpack(header).pid);
  }
  std::vector<std::uint32_t> pids;
};

TEST(Reader, BooksSeeEveryRecordOfTheirWindow) {
  Harness h(1);
  const TaskIdentity t = task("t");
  write(*h.bufs[0], t, {.time = 1, .pid = 3, .kernel = {0x1}});
  write(*h.bufs[0], t, {.time = 2, .pid = 0, .kernel = {0x1}});
  write(*h.bufs[0], t, {.time = 50, .pid = 4, .kernel = {0x1}});  // outside the window
  h.close_all();
  auto r = h.reader();
  auto w = window(0, 10, 1);
  auto books = std::make_unique<CountingBooks>();
  CountingBooks* seen = books.get();
  w->books = std::move(books);
  r->open_window(w, h.collect());
  r->finish(100);
  EXPECT_EQ(seen->pids, (std::vector<std::uint32_t>{3, 0}));
}

TEST(Reader, SnapshotsMapsOfNewPidsOnly) {
  Harness h(1);
  const TaskIdentity t = task("t");
  const auto self = static_cast<std::uint32_t>(getpid());
  write(*h.bufs[0], t, {.time = 1, .pid = self, .tid = self, .user = {0x1}});
  write(*h.bufs[0], t, {.time = 2, .pid = self, .tid = self, .user = {0x2}});  // same pid
  write(*h.bufs[0], t, {.time = 3, .pid = 0, .tid = 0, .kernel = {0xffff}});  // idle: no maps
  write(*h.bufs[0], t, {.time = 4, .pid = 0x3fffffff, .user = {0x1}});       // no such process
  h.close_all();
  auto r = h.reader();
  auto w = window(0, kOpenEnded, 1);
  auto w2 = window(0, kOpenEnded, 1);
  r->open_window(w, h.collect());
  r->open_window(w2, h.collect());
  r->start();
  r->finish(10);
  for (const auto& x : {w, w2}) {
    ASSERT_TRUE(x->maps.contains(self));
    EXPECT_NE(x->maps.at(self), nullptr);
    EXPECT_EQ(x->maps.at(self), w->maps.at(self));  // one snapshot, shared
    EXPECT_FALSE(x->maps.contains(0));
    ASSERT_TRUE(x->maps.contains(0x3fffffff));
    EXPECT_EQ(x->maps.at(0x3fffffff), nullptr);
  }
  EXPECT_EQ(h.processes.stats().snapshots, 1u);
  EXPECT_EQ(h.processes.stats().vanished, 1u);
}

// A pid that execs while a window is open: its records before the exec and
// after it are two stacks, each named from its own program's snapshot
// (ProcessTable::epoch), though their frames are the same words.
TEST(Reader, AnExecWithinAWindowSplitsThePidsStacksByProgram) {
  Harness h(1);
  const TaskIdentity t = task("t");
  const auto self = static_cast<std::uint32_t>(getpid());
  auto r = h.reader();
  auto w = window(0, kOpenEnded, 1);
  r->open_window(w, h.collect());
  h.clock.set(15);
  write(*h.bufs[0], t, {.time = 10, .pid = self, .tid = self, .user = {0x1}});
  r->run_pass();  // the first program is read
  h.ends->add({.pid = self, .why = ProcessEnds::Why::kExec, .time_ns = 20});
  h.clock.set(35);
  write(*h.bufs[0], t, {.time = 30, .pid = self, .tid = self, .user = {0x1}});
  write(*h.bufs[0], t, {.time = 31, .pid = self, .tid = self, .user = {0x1}});
  h.close_all();
  r->finish(100);

  ASSERT_EQ(w->stacks.size(), 2u);
  std::vector<std::uint16_t> epochs;
  w->stacks.for_each([&](const StackTable::Entry& e) {
    epochs.push_back(StackTable::task_epoch(e.key[StackTable::kTaskWord]));
  });
  EXPECT_EQ(epochs, (std::vector<std::uint16_t>{0, 1}));
  EXPECT_EQ(values_of(*w), (std::vector<std::uint64_t>{1, 2}));
  const ProcessKey before = process_key(self, 0), after = process_key(self, 1);
  ASSERT_TRUE(w->maps.contains(before) && w->maps.contains(after));
  EXPECT_NE(w->maps.at(before), nullptr);
  EXPECT_NE(w->maps.at(after), nullptr);
  EXPECT_NE(w->maps.at(before), w->maps.at(after)) << "one snapshot per program";
  EXPECT_NE(w->identities.at(after), nullptr);
  EXPECT_EQ(h.processes.stats().refreshed, 1u);
}

// An exec heard before the pid's first look-up: the records before it have
// no snapshot (what /proc shows is the later program), those after have one.
TEST(Reader, RecordsBeforeAnExecHeardFirstStayUnnamedAndApart) {
  Harness h(1);
  const TaskIdentity t = task("t");
  const auto self = static_cast<std::uint32_t>(getpid());
  h.ends->add({.pid = self, .why = ProcessEnds::Why::kExec, .time_ns = 20});
  h.clock.set(50);
  write(*h.bufs[0], t, {.time = 10, .pid = self, .tid = self, .user = {0x1}});
  write(*h.bufs[0], t, {.time = 30, .pid = self, .tid = self, .user = {0x1}});
  h.close_all();
  auto r = h.reader();
  auto w = window(0, kOpenEnded, 1);
  r->open_window(w, h.collect());
  r->finish(100);
  EXPECT_EQ(w->stacks.size(), 2u);
  ASSERT_TRUE(w->maps.contains(process_key(self, 0)) && w->maps.contains(process_key(self, 1)));
  EXPECT_EQ(w->maps.at(process_key(self, 0)), nullptr);
  EXPECT_NE(w->maps.at(process_key(self, 1)), nullptr);
}

}  // namespace
}  // namespace profbufd
