#include "sinks/recent_profiles.h"

#include <gtest/gtest.h>

#include "model/profile_bytes.h"

namespace profbufd {
namespace {

std::shared_ptr<const Profile> profile(const std::string& kind, std::size_t samples,
                                       std::int64_t start = 0) {
  Profile p;
  p.metadata.kind = kind;
  p.metadata.start_unix_ns = start;
  p.sample_types = {{"samples", "count"}};
  for (std::size_t i = 0; i < samples; ++i) {
    Sample s;
    s.comm = "a thread name that is long";
    s.locations = {0, 1, 2, 3};
    p.samples.push_back(s);
  }
  return std::make_shared<const Profile>(std::move(p));
}

TEST(RecentProfiles, IdsFollowArrivalAndOutliveNoEviction) {
  RecentProfiles store(2, 1u << 30);
  for (int i = 0; i < 3; ++i) store.on_profile(profile(i == 1 ? "block" : "cpu", 1, i));
  const auto entries = store.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].id, 2u);
  EXPECT_EQ(entries[1].id, 3u);
  EXPECT_EQ(store.find(1).profile, nullptr) << "evicted";
  EXPECT_EQ(store.find(2).profile->metadata.kind, "block");
  EXPECT_EQ(store.find(4).profile, nullptr);
  EXPECT_EQ(store.latest("cpu").id, 3u);
  EXPECT_EQ(store.latest("block").id, 2u);
  EXPECT_EQ(store.latest("mutex").profile, nullptr);
}

TEST(ProfileBytes, GrowWithTheProfile) {
  EXPECT_LT(approximate_bytes(*profile("cpu", 10)), approximate_bytes(*profile("cpu", 1000)));
  // Each sample costs at least its own size and its location ids.
  EXPECT_GE(approximate_bytes(*profile("cpu", 1000)), 1000 * (sizeof(Sample) + 16));
}

TEST(RecentProfiles, KeepsTheNewestWithinTheCountBound) {
  RecentProfiles store(3, 1u << 30);
  for (int i = 0; i < 5; ++i) store.on_profile(profile("cpu", 1, i));
  ASSERT_EQ(store.size(), 3u);
  EXPECT_EQ(store.evicted(), 2u);
  const auto all = store.entries();
  EXPECT_EQ(all.front().profile->metadata.start_unix_ns, 2);
  EXPECT_EQ(all.back().profile->metadata.start_unix_ns, 4);
}

TEST(RecentProfiles, BoundedByBytesButKeepsTheNewestAlone) {
  const std::size_t one = approximate_bytes(*profile("cpu", 100));
  RecentProfiles store(100, 2 * one + one / 2);
  for (int i = 0; i < 4; ++i) store.on_profile(profile("cpu", 100, i));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_LE(store.bytes(), 2 * one + one / 2);
  store.on_profile(profile("cpu", 10000, 9));  // alone above the bound
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.latest("cpu").profile->metadata.start_unix_ns, 9);
  EXPECT_EQ(store.bytes(), approximate_bytes(*store.latest("cpu").profile));
}

TEST(RecentProfiles, LatestOfAKind) {
  RecentProfiles store;
  EXPECT_EQ(store.latest("cpu").profile, nullptr);
  store.on_profile(profile("cpu", 1, 1));
  store.on_profile(profile("block", 1, 2));
  EXPECT_EQ(store.latest("cpu").profile->metadata.start_unix_ns, 1);
  EXPECT_EQ(store.latest("block").profile->metadata.start_unix_ns, 2);
  EXPECT_EQ(store.latest("mutex").profile, nullptr);
}

TEST(RecentProfiles, AReaderKeepsItsProfileAfterEviction) {
  RecentProfiles store(1, 1u << 30);
  store.on_profile(profile("cpu", 5, 1));
  const auto held = store.latest("cpu").profile;
  store.on_profile(profile("cpu", 5, 2));
  EXPECT_EQ(held->samples.size(), 5u);
  EXPECT_EQ(store.latest("cpu").profile->metadata.start_unix_ns, 2);
}

}  // namespace
}  // namespace profbufd
