#include "app/settings.h"

#include <gtest/gtest.h>

#include "../cgroup/fake_cgroup.h"
#include "../scratch_dir.h"

namespace profbufd {
namespace {

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* c : {"", "/system.slice/nginx.service", "/libpod_parent"})
      test::make_cgroup(mount() + c);
    env_.cgroup2_mount = mount();
    env_.max_sample_rate = dir_.file("max_sample_rate", "1000\n");
  }
  std::string mount() const { return dir_.file("cgroup"); }
  cli::Options with_config(const std::string& text) {
    cli::Options o;
    o.config_path = dir_.file("p.conf", text);
    return o;
  }

  test::ScratchDir dir_;
  SettingsEnv env_;
};

TEST_F(SettingsTest, TheCommandLineAloneWithoutAFile) {
  cli::Options o;
  o.frequency_hz = 49;
  o.pids = {7};
  o.cgroups = {mount() + "/libpod_parent"};
  auto s = load_settings(o, env_);
  ASSERT_TRUE(s.ok()) << s.error().line();
  EXPECT_EQ(s->frequency_hz, 49u);
  EXPECT_EQ(s->pids, (std::vector<std::uint32_t>{7}));
  ASSERT_EQ(s->cgroups.size(), 1u);
  EXPECT_EQ(s->cgroups[0].path, "/libpod_parent");
  EXPECT_TRUE(s->filtered());
}

TEST_F(SettingsTest, TheFileAddsFiltersAndOverridesTheFrequency) {
  cli::Options o = with_config("frequency = 19\npid = 8\npid = 7\ncgroup = /system.slice/nginx.service\n");
  o.pids = {7};
  o.cgroups = {"/libpod_parent"};
  auto s = load_settings(o, env_);
  ASSERT_TRUE(s.ok()) << s.error().line();
  EXPECT_EQ(s->frequency_hz, 19u);
  EXPECT_EQ(s->pids, (std::vector<std::uint32_t>{7, 8}));  // command line's first, once each
  ASSERT_EQ(s->cgroups.size(), 2u);
  EXPECT_EQ(s->cgroups[1].path, "/system.slice/nginx.service");
  EXPECT_EQ(s->cgroups[1].dir, mount() + "/system.slice/nginx.service");
}

TEST_F(SettingsTest, EverythingIsCheckedBeforeAnythingIsUsed) {
  auto missing = load_settings(with_config("cgroup = /no/such/cgroup\n"), env_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ExitCode::kUsage);
  EXPECT_NE(missing.error().line().find("no such cgroup"), std::string::npos);

  auto too_fast = load_settings(with_config("frequency = 4000\n"), env_);
  ASSERT_FALSE(too_fast.ok());
  EXPECT_EQ(too_fast.error().code, ExitCode::kFrequencyTooHigh);

  cli::Options o = with_config("");
  o.config_path = dir_.file("missing.conf");
  EXPECT_FALSE(load_settings(o, env_).ok());

  std::string pids;
  for (int i = 1; i <= 20; ++i) pids += "pid = " + std::to_string(i) + "\n";
  cli::Options both = with_config(pids);
  for (std::uint32_t i = 100; i < 120; ++i) both.pids.push_back(i);
  auto over = load_settings(both, env_);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().line().find("40 from the command line and --config together"),
            std::string::npos)
      << over.error().line();

  SettingsEnv no_v2 = env_;
  no_v2.cgroup2_mount.clear();
  auto v1 = load_settings(with_config("cgroup = /libpod_parent\n"), no_v2);
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.error().line().find("no cgroup v2"), std::string::npos);
}

TEST_F(SettingsTest, DescribesWhatChanged) {
  Settings a;
  a.frequency_hz = 99;
  Settings b = a;
  EXPECT_EQ(describe_change(a, b), "");
  EXPECT_FALSE(filters_differ(a, b));
  b.frequency_hz = 49;
  b.pids = {1234, 5678};
  b.cgroups = {{"/libpod_parent", mount() + "/libpod_parent"}};
  EXPECT_EQ(describe_change(a, b),
            "frequency 99 -> 49 Hz; pids none -> 1234, 5678; cgroups none -> /libpod_parent");
  EXPECT_TRUE(filters_differ(a, b));
  Settings c = b;
  c.pids = {5678, 1234};  // same set
  EXPECT_FALSE(filters_differ(b, c));
  c.frequency_hz = 99;
  EXPECT_FALSE(filters_differ(b, c));
}

}  // namespace
}  // namespace profbufd
