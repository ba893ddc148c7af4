#include "http/collections.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <vector>

#include "../encode/test_profile.h"
#include "fake_profile_source.h"

namespace profbufd::http {
namespace {

using namespace std::chrono_literals;
using testing::FakeProfileSource;
using testing::sample_profile;

ProfileSource::Request window(std::chrono::seconds d, std::vector<std::uint32_t> pids = {}) {
  ProfileSource::Request r;
  r.duration = d;
  r.pids = std::move(pids);
  return r;
}

TEST(HttpCollections, ReturnsTheSourceProfileAndPassesTheRequest) {
  FakeProfileSource source(sample_profile());
  Collections c(source, 2);
  Collections::Outcome o = c.collect(window(1s, {5, 6}));
  ASSERT_EQ(o.failure, Collections::Failure::kNone) << o.error.line();
  ASSERT_NE(o.profile, nullptr);
  EXPECT_EQ(o.profile->samples.size(), sample_profile().samples.size());
  EXPECT_EQ(o.profile->metadata.host, "testhost");
  const auto reqs = source.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].duration, 1s);
  EXPECT_EQ(reqs[0].pids, (std::vector<std::uint32_t>{5, 6}));
  EXPECT_EQ(c.active(), 0u);
}

TEST(HttpCollections, SourceFailureIsReported) {
  FakeProfileSource source(sample_profile());
  source.set_fail(true);
  Collections c(source, 2);
  Collections::Outcome o = c.collect(window(0s));
  EXPECT_EQ(o.failure, Collections::Failure::kSource);
  EXPECT_EQ(o.profile, nullptr);
  EXPECT_EQ(o.error.line(), "profbufd: collecting a window: sampling stopped");
}

TEST(HttpCollections, RefusesBeyondTheBoundAndFreesSlots) {
  FakeProfileSource source(sample_profile());
  source.hold();
  Collections c(source, 2);
  auto a = std::async(std::launch::async, [&] { return c.collect(window(1s)); });
  auto b = std::async(std::launch::async, [&] { return c.collect(window(1s)); });
  ASSERT_TRUE(source.wait_in_flight(2));
  EXPECT_EQ(c.active(), 2u);

  Collections::Outcome refused = c.collect(window(1s));
  EXPECT_EQ(refused.failure, Collections::Failure::kBusy);
  EXPECT_EQ(refused.error.line(),
            "profbufd: profile: 2 profiles are being collected already, the most at once "
            "(retry when one of them is done)");
  EXPECT_EQ(source.requests().size(), 2u) << "a refused request must not open a window";

  source.release();
  EXPECT_EQ(a.get().failure, Collections::Failure::kNone);
  EXPECT_EQ(b.get().failure, Collections::Failure::kNone);
  EXPECT_EQ(c.active(), 0u);
  // Many more, one after the other: finished window threads are reaped.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(c.collect(window(0s)).failure, Collections::Failure::kNone);
  }
}

TEST(HttpCollections, ShutdownReleasesWaitersWithoutWaitingForTheSource) {
  FakeProfileSource source(sample_profile());
  source.hold();
  auto c = std::make_unique<Collections>(source, 4);
  auto waiting = std::async(std::launch::async, [&] { return c->collect(window(300s)); });
  ASSERT_TRUE(source.wait_in_flight(1));

  c->shutdown();
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready)
      << "shutdown() did not release the waiting request";
  Collections::Outcome o = waiting.get();
  EXPECT_EQ(o.failure, Collections::Failure::kShuttingDown);
  EXPECT_EQ(o.error.line(), "profbufd: profile: profbufd is shutting down (retry once it runs again)");
  // The window is still open in the source until sampling stops.
  EXPECT_EQ(c->active(), 1u);
  EXPECT_EQ(c->collect(window(1s)).failure, Collections::Failure::kShuttingDown);
  EXPECT_EQ(source.requests().size(), 1u);
  c->shutdown();  // idempotent

  // The destructor joins the window thread once the source lets it go.
  source.stop_sampling();
  c.reset();
  EXPECT_TRUE(source.wait_in_flight(0, 0ms));
}

}  // namespace
}  // namespace profbufd::http
