#include "python/code_prefetch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

namespace profbufd::python {
namespace {

using namespace std::chrono_literals;
using Key = std::tuple<std::uint32_t, std::uint64_t, std::uint64_t>;

// What the worker resolved, and a gate that holds it inside its first call.
struct Resolved {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Key> calls;
  bool hold = false;

  CodePrefetch::Resolve fn() {
    return [this](std::uint32_t pid, std::uint64_t w0, std::uint64_t w1) {
      std::unique_lock lock(mu);
      calls.emplace_back(pid, w0, w1);
      cv.notify_all();
      cv.wait(lock, [this] { return !hold; });
    };
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return calls.size() >= n; });
  }
};

// Until the worker has resolved `n` and gone back to waiting on its queue.
void settle(const CodePrefetch& p, std::uint64_t n) {
  for (int i = 0; i < 1000 && p.stats().resolved < n; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(50ms);
}

TEST(PythonCodePrefetch, EachCodeObjectIsResolvedOnceOnTheWorker) {
  Resolved r;
  CodePrefetch p(r.fn());
  const std::vector<std::uint64_t> a = {0x1001, 0x11110000000aULL, 0x2000, 0x222200000003ULL};
  p.python_frames(7, a);
  // The same code objects again (another instruction, the entry bit off): known.
  const std::vector<std::uint64_t> b = {0x1000, 0x111100000020ULL};
  p.python_frames(7, b);
  ASSERT_TRUE(r.wait_for(2));
  // Another process, or another tag at the same address: new.
  p.python_frames(8, b);
  p.python_frames(7, std::vector<std::uint64_t>{0x1000, 0x999900000000ULL});
  ASSERT_TRUE(r.wait_for(4));
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(r.mu);
  EXPECT_EQ(r.calls.size(), 4u);
  EXPECT_EQ(std::get<0>(r.calls[0]), 7u);
  EXPECT_EQ(std::get<1>(r.calls[0]), 0x1001u);
  EXPECT_EQ(p.stats().queued, 4u);
  EXPECT_EQ(p.stats().dropped, 0u);
}

TEST(PythonCodePrefetch, AFullQueueDropsCountsAndOffersAgainLater) {
  Resolved r;
  r.hold = true;
  auto p = std::make_unique<CodePrefetch>(r.fn(), /*max_pending=*/2);
  p->python_frames(1, std::vector<std::uint64_t>{0x10, 0x1ULL << 32});
  ASSERT_TRUE(r.wait_for(1));  // the worker holds the first, the queue is empty
  std::vector<std::uint64_t> many;
  for (std::uint64_t i = 0; i < 5; ++i) {
    many.push_back(0x100 + 0x10 * i);
    many.push_back((i + 2) << 32);
  }
  p->python_frames(1, many);
  EXPECT_EQ(p->stats().queued, 3u);
  EXPECT_EQ(p->stats().dropped, 3u);
  {
    std::lock_guard lock(r.mu);
    r.hold = false;
  }
  r.cv.notify_all();
  settle(*p, 3);
  // The dropped ones were not marked seen: offered again, two fit the queue.
  p->python_frames(1, many);
  EXPECT_EQ(p->stats().queued, 5u);
  EXPECT_EQ(p->stats().dropped, 4u);
  settle(*p, 5);
  p->python_frames(1, many);  // and the last one
  EXPECT_EQ(p->stats().queued, 6u);
  p.reset();  // the destructor resolves what is queued
  std::set<Key> distinct(r.calls.begin(), r.calls.end());
  EXPECT_EQ(distinct.size(), 6u);
  EXPECT_EQ(r.calls.size(), 6u);
}

TEST(PythonCodePrefetch, AnOddWordIsIgnored) {
  Resolved r;
  CodePrefetch p(r.fn());
  p.python_frames(1, std::vector<std::uint64_t>{0x10});
  EXPECT_EQ(p.stats().queued, 0u);
}

}  // namespace
}  // namespace profbufd::python
