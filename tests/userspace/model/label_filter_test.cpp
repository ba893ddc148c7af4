#include "model/label_filter.h"

#include <gtest/gtest.h>

#include "../encode/test_profile.h"

namespace profbufd {
namespace {

using testing::sample_profile;

std::int64_t samples_of(const Profile& p) { return p.total(0); }

TEST(LabelFilter, KeysNarrowAndValuesOfOneKeyAreAlternatives) {
  const Profile p = sample_profile();
  LabelFilter f;
  f.accept["comm"] = {"app"};
  EXPECT_EQ(samples_of(filter_profile(p, f)), 5 + 7 + 2 + 1 + 3);  // + lost
  f.accept["pid"] = {"200"};
  EXPECT_EQ(samples_of(filter_profile(p, f)), 2 + 3);
  f.accept["pid"] = {"200", "300"};  // pid 300 is not "app": still narrowed by comm
  EXPECT_EQ(samples_of(filter_profile(p, f)), 2 + 3);
  f.accept["systemd_unit"] = {"x.service"};  // no sample has it
  EXPECT_EQ(samples_of(filter_profile(p, f)), 3);
}

TEST(LabelFilter, LostSamplesStayWhateverTheFilter) {
  const Profile p = sample_profile();
  LabelFilter f;
  f.accept["comm"] = {"nothing"};
  const Profile out = filter_profile(p, f);
  ASSERT_EQ(out.samples.size(), 1u);
  EXPECT_TRUE(is_lost_sample(out, out.samples[0]));
  EXPECT_EQ(out.locations[out.samples[0].locations[0]].function, "[lost: ringbuf_full]");
}

TEST(LabelFilter, GenericLabelsAreMatchedByKey) {
  Profile p = sample_profile();
  p.samples[1].labels.push_back(Label{"systemd_unit", "nginx.service", 0, false});
  p.samples[2].labels.push_back(Label{"container_id", "", 42, true});
  LabelFilter f;
  f.accept["systemd_unit"] = {"nginx.service"};
  EXPECT_EQ(samples_of(filter_profile(p, f)), 7 + 3);
  f.accept = {{"container_id", {"42"}}};
  EXPECT_EQ(samples_of(filter_profile(p, f)), 2 + 3);
  const auto keys = label_keys(p);
  EXPECT_EQ(keys, (std::vector<std::string>{"pid", "tid", "comm", "systemd_unit", "container_id"}));
}

TEST(SelectSamples, KeepsOnlyWhatTheSamplesUseRenumbered) {
  const Profile p = sample_profile();
  const Profile out = select_samples(p, {3});  // pid 300: libfoo unresolved, main
  ASSERT_EQ(out.samples.size(), 1u);
  ASSERT_EQ(out.locations.size(), 2u);
  EXPECT_EQ(out.locations[out.samples[0].locations[0]].function, "libfoo.so+0x1234");
  EXPECT_EQ(out.locations[out.samples[0].locations[1]].function, "main");
  ASSERT_EQ(out.mappings.size(), 2u);  // app and libfoo, not the kernel
  for (const Location& l : out.locations) ASSERT_LT(l.mapping, out.mappings.size());
  EXPECT_EQ(out.mappings[out.locations[out.samples[0].locations[0]].mapping].file,
            "/usr/lib/libfoo.so");
  EXPECT_EQ(out.metadata.start_unix_ns, p.metadata.start_unix_ns);
}

}  // namespace
}  // namespace profbufd
