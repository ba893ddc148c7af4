#include "core/reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include "capture/sample_record.h"
#include "common/clock.h"

namespace profbufd {
namespace {

TaskIdentity task(const char* name) {
  TaskIdentity t;
  std::strncpy(t.comm.data(), name, t.comm.size());
  return t;
}

void write_sample(ProfBuf& b, const TaskIdentity& t, std::uint64_t time, std::uint64_t pid,
                  std::uint64_t tid, std::uint64_t cpu, std::vector<std::uint64_t> kernel,
                  std::vector<std::uint64_t> user) {
  StackInfo info;
  info.kernel_frames = static_cast<std::uint16_t>(kernel.size());
  info.user_frames = static_cast<std::uint16_t>(user.size());
  const std::uint64_t hdr[kSampleHeaderWords] = {pid, tid, cpu, info.pack()};
  std::vector<std::uint64_t> stk = kernel;
  stk.insert(stk.end(), user.begin(), user.end());
  b.write(&t, time, hdr, stk);
}

struct Harness {
  explicit Harness(std::size_t ncpu, std::size_t bufwords = 4096) {
    for (std::size_t i = 0; i < ncpu; ++i)
      bufs.push_back(std::make_unique<ProfBuf>(kSampleHeaderWords, bufwords, bufwords / 8));
  }
  std::vector<ProfBuf*> ptrs() {
    std::vector<ProfBuf*> v;
    for (auto& b : bufs) v.push_back(b.get());
    return v;
  }
  void close_all() {
    for (auto& b : bufs) b->close();
  }
  Reader::OnClosed collect() {
    return [this](std::shared_ptr<Window> w) { closed.push_back(std::move(w)); };
  }
  std::vector<std::unique_ptr<ProfBuf>> bufs;
  std::vector<std::shared_ptr<Window>> closed;  // written by the reader thread, read after finish
  ProcessTable processes{"/proc", 16};
};

TEST(Reader, AggregatesIdenticalStacksAcrossCpus) {
  Harness h(2);
  const TaskIdentity spin = task("spin");
  write_sample(*h.bufs[0], spin, 10, 7, 8, 0, {0xffff1}, {0x401000, 0x402000});
  write_sample(*h.bufs[0], spin, 11, 7, 8, 0, {0xffff1}, {0x401000, 0x402000});
  write_sample(*h.bufs[1], spin, 12, 7, 8, 1, {0xffff1}, {0x401000, 0x402000});
  write_sample(*h.bufs[1], spin, 13, 7, 9, 1, {}, {0x401000});
  h.close_all();

  Reader r(h.ptrs(), h.processes, nullptr, {});
  auto w = std::make_shared<Window>(0, kOpenEnded, 2);
  r.open_window(w, h.collect());
  r.start();
  r.finish(1000);

  ASSERT_EQ(h.closed.size(), 1u);
  const Window& got = *h.closed[0];
  EXPECT_EQ(got.end_ns, 1000u);
  EXPECT_EQ(got.stacks.total(), 4u);
  EXPECT_EQ(got.stacks.size(), 2u);
  EXPECT_EQ(got.samples_by_cpu, (std::vector<std::uint64_t>{2, 2}));
  EXPECT_EQ(r.samples(), 4u);
  EXPECT_EQ(r.lost(), 0u);
  std::vector<std::uint64_t> counts;
  got.stacks.for_each([&](const StackTable::Entry& e) {
    counts.push_back(e.count);
    EXPECT_EQ(e.key[StackTable::kPidWord], 7u);
    EXPECT_EQ(reinterpret_cast<const TaskIdentity*>(e.key[StackTable::kTaskWord]), &spin);
  });
  EXPECT_EQ(counts, (std::vector<std::uint64_t>{3, 1}));
}

TEST(Reader, RotationSplitsByTimeAndAbsorbsLateSamples) {
  Harness h(1);
  const TaskIdentity t = task("t");
  write_sample(*h.bufs[0], t, 150, 1, 1, 0, {0x1}, {});
  write_sample(*h.bufs[0], t, 250, 1, 1, 0, {0x2}, {});
  write_sample(*h.bufs[0], t, 260, 1, 1, 0, {0x2}, {});
  h.close_all();

  Reader r(h.ptrs(), h.processes, nullptr, {});
  auto first = std::make_shared<Window>(100, kOpenEnded, 1);
  first->absorb_earlier = true;
  r.open_window(first, h.collect());
  auto second = std::make_shared<Window>(0, kOpenEnded, 1);
  r.rotate(first, second, 200, h.collect());
  EXPECT_EQ(second->start_ns, 200u);
  r.start();
  r.finish(5000);

  ASSERT_EQ(h.closed.size(), 2u);
  EXPECT_EQ(h.closed[0], first);
  EXPECT_EQ(first->end_ns, 200u);
  EXPECT_EQ(first->stacks.total(), 1u);
  EXPECT_EQ(second->stacks.total(), 2u);
  EXPECT_EQ(second->end_ns, 5000u);
}

TEST(Reader, OverlappingWindowsBothGetTheSample) {
  Harness h(1);
  const TaskIdentity t = task("t");
  write_sample(*h.bufs[0], t, 500, 1, 1, 0, {0x1}, {});
  write_sample(*h.bufs[0], t, 50, 1, 1, 0, {0x1}, {});
  h.close_all();
  Reader r(h.ptrs(), h.processes, nullptr, {});
  auto file = std::make_shared<Window>(0, kOpenEnded, 1);
  auto request = std::make_shared<Window>(400, kOpenEnded, 1);
  r.open_window(file, h.collect());
  r.open_window(request, h.collect());
  r.start();
  r.finish(1000);
  EXPECT_EQ(file->stacks.total(), 2u);
  EXPECT_EQ(request->stacks.total(), 1u);  // the sample at 50 predates it
}

TEST(Reader, ProfBufOverflowBecomesLostCountOfItsCpu) {
  // 64-word ring: each record takes 2 + 4 + 1 = 7 words, so most of 100 writes
  // overflow before the reader runs.
  Harness h(2, 64);
  const TaskIdentity t = task("t");
  for (int i = 0; i < 100; ++i) write_sample(*h.bufs[1], t, 10 + i, 1, 1, 1, {0x1}, {});
  h.close_all();
  Reader r(h.ptrs(), h.processes, nullptr, {});
  auto w = std::make_shared<Window>(0, kOpenEnded, 2);
  w->absorb_earlier = true;
  r.open_window(w, h.collect());
  r.start();
  r.finish(1000);
  const std::uint64_t kept = w->stacks.total();
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, 100u);
  EXPECT_EQ(w->profbuf_overflow_by_cpu[0], 0u);
  EXPECT_EQ(w->profbuf_overflow_by_cpu[1], 100u - kept);
  EXPECT_EQ(w->lost(), 100u - kept);
  EXPECT_EQ(r.lost(), 100u - kept);
  EXPECT_EQ(r.profbuf_overflow(), 100u - kept);
  EXPECT_EQ(r.ringbuf_full(), 0u);
  EXPECT_EQ(r.samples(), kept);
}

TEST(Reader, RingbufDropsAreChargedToTheOpenWindow) {
  Harness h(1);
  h.close_all();
  std::atomic<std::uint64_t> drops{5};  // before start: charged too (sampling ran)
  Reader r(h.ptrs(), h.processes, [&] { return drops.load() + 7; }, {});
  auto w = std::make_shared<Window>(0, kOpenEnded, 1);
  r.open_window(w, h.collect());
  r.start();
  drops = 12;
  r.finish(monotonic_ns() + 1);
  // The reader's last pass runs after finish() was called, so it sees 12 + 7.
  EXPECT_EQ(w->ringbuf_full, 19u);
  EXPECT_EQ(r.lost(), 19u);
  EXPECT_EQ(r.ringbuf_full(), 19u);
  EXPECT_EQ(r.profbuf_overflow(), 0u);
}

TEST(Reader, CountsSamplesWithoutAStackAndFiltersByPid) {
  Harness h(1);
  const TaskIdentity t = task("t");
  StackInfo broken;
  broken.kernel_frames = 1;
  broken.user_status = PROFBUFD_STACK_ERROR;
  broken.user_errno = 14;
  const std::uint64_t hdr[kSampleHeaderWords] = {5, 5, 0, broken.pack()};
  const std::uint64_t stk[] = {0x1};
  h.bufs[0]->write(&t, 10, hdr, stk);
  write_sample(*h.bufs[0], t, 11, 6, 6, 0, {0x1}, {0x2});
  h.close_all();
  Reader r(h.ptrs(), h.processes, nullptr, {});
  auto all = std::make_shared<Window>(0, kOpenEnded, 1);
  auto only6 = std::make_shared<Window>(0, kOpenEnded, 1);
  only6->pids = {6};
  r.open_window(all, h.collect());
  r.open_window(only6, h.collect());
  r.start();
  r.finish(100);
  EXPECT_EQ(r.stack_unavailable(), 1u);
  EXPECT_EQ(all->stacks.total(), 2u);
  EXPECT_EQ(only6->stacks.total(), 1u);
}

TEST(Reader, UpdatesOnlyWindowsStillOpen) {
  Harness h(1);
  h.close_all();
  Reader r(h.ptrs(), h.processes, nullptr, {});
  auto w = std::make_shared<Window>(0, kOpenEnded, 1);
  r.open_window(w, h.collect());
  EXPECT_TRUE(r.update_open_window(w, [](Window& x) { x.idle_ns_by_cpu = {42}; }));
  r.start();
  r.finish(10);
  ASSERT_EQ(h.closed.size(), 1u);
  EXPECT_EQ(h.closed[0]->idle_ns_by_cpu, (std::vector<std::uint64_t>{42}));
  // Handed over: no longer the reader's to change.
  EXPECT_FALSE(r.update_open_window(w, [](Window& x) { x.idle_ns_by_cpu = {7}; }));
  EXPECT_EQ(w->idle_ns_by_cpu, (std::vector<std::uint64_t>{42}));
}

TEST(Reader, SnapshotsMapsOfNewPidsOnly) {
  Harness h(1);
  const TaskIdentity t = task("t");
  const auto self = static_cast<std::uint64_t>(getpid());
  write_sample(*h.bufs[0], t, 1, self, self, 0, {}, {0x1});
  write_sample(*h.bufs[0], t, 2, 0, 0, 0, {0xffff}, {});           // idle: no maps
  write_sample(*h.bufs[0], t, 3, 0x3fffffff, 1, 0, {}, {0x1});      // no such process
  h.close_all();
  Reader r(h.ptrs(), h.processes, nullptr, {});
  auto w = std::make_shared<Window>(0, kOpenEnded, 1);
  r.open_window(w, h.collect());
  r.start();
  r.finish(10);
  ASSERT_TRUE(w->maps.contains(static_cast<std::uint32_t>(self)));
  EXPECT_NE(w->maps.at(static_cast<std::uint32_t>(self)), nullptr);
  EXPECT_FALSE(w->maps.contains(0));
  ASSERT_TRUE(w->maps.contains(0x3fffffff));
  EXPECT_EQ(w->maps.at(0x3fffffff), nullptr);
  EXPECT_EQ(h.processes.stats().snapshots, 1u);
  EXPECT_EQ(h.processes.stats().vanished, 1u);
}

}  // namespace
}  // namespace profbufd
