#include "kinds/threadcreate/threadcreate_kind.h"

#include <gtest/gtest.h>

#include <array>

#include "profbufd.h"

namespace profbufd::kinds::threadcreate {
namespace {

TEST(ThreadcreateKind, ShapeIsGosThreadcreateProfile) {
  const ThreadcreateKind k;
  const ProfileShape s = k.shape();
  EXPECT_EQ(s.sample_types, (std::vector<ValueType>{{"threadcreate", "count"}}));
  EXPECT_EQ(s.default_sample_type, "threadcreate");
  EXPECT_EQ(s.period_type, (ValueType{"threadcreate", "count"}));
  EXPECT_EQ(s.period, 1);
  EXPECT_EQ(k.name(), "threadcreate");
  EXPECT_EQ(k.id(), PROFBUFD_KIND_THREADCREATE);
  EXPECT_EQ(std::vector<Accumulate>(k.accumulators().begin(), k.accumulators().end()),
            (std::vector<Accumulate>{Accumulate::kRecords}));
}

TEST(ThreadcreateKind, EachRecordIsOneTaskAndLostOnesCountToo) {
  const ThreadcreateKind k;
  std::array<std::int64_t, 1> v{};
  const std::uint64_t acc[] = {7};
  k.values(acc, v);
  EXPECT_EQ(v[0], 7);
  k.lost_values(3, v);
  EXPECT_EQ(v[0], 3);
}

TEST(ThreadcreateKind, LabelsSayThreadOrProcess) {
  const ThreadcreateKind k;
  std::vector<Label> l;
  k.labels(PROFBUFD_CREATED_THREAD, l);
  k.labels(0, l);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].key, "created");
  EXPECT_EQ(l[0].str, "thread");
  EXPECT_FALSE(l[0].numeric);
  EXPECT_EQ(l[1].key, "created");
  EXPECT_EQ(l[1].str, "process");
}

}  // namespace
}  // namespace profbufd::kinds::threadcreate
