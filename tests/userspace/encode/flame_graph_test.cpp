#include "encode/flame_graph.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "model/label_filter.h"
#include "test_profile.h"

namespace profbufd {
namespace {

using nlohmann::json;
using testing::sample_profile;

json graph(const Profile& shown, const Profile& all, std::size_t vi = 0) {
  FlameGraphRequest r;
  r.id = 7;
  r.value_index = vi;
  return json::parse(flame_graph_json(shown, all, r));  // throws on invalid JSON
}

const json* child(const json& node, const std::string& name) {
  if (!node.contains("children")) return nullptr;
  for (const json& c : node["children"])
    if (c["name"] == name) return &c;
  return nullptr;
}

TEST(FlameGraph, TreeIsProcessThenFramesOutermostFirstWithInclusiveValues) {
  const Profile p = sample_profile();
  const json g = graph(p, p);
  EXPECT_EQ(g["id"], 7);
  EXPECT_EQ(g["kind"], "cpu");
  EXPECT_EQ(g["total"], 19);
  EXPECT_EQ(g["root"]["value"], 19);
  const json* app = child(g["root"], "app");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ((*app)["kind"], "process");
  EXPECT_EQ((*app)["value"], 5 + 7 + 2 + 1);
  const json* main = child(*app, "main");
  ASSERT_NE(main, nullptr);
  const json* compute = child(*main, "compute");
  ASSERT_NE(compute, nullptr);
  EXPECT_EQ((*compute)["value"], 14);
  const json* entry = child(*compute, "entry_SYSCALL_64");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ((*entry)["kind"], "kernel");
  EXPECT_EQ((*child(*entry, "do_syscall_64"))["value"], 5);
}

TEST(FlameGraph, LostSamplesAreTheirOwnFrameWithTheirTotals) {
  const Profile p = sample_profile();
  const json g = graph(p, p, 1);
  const json* lost = child(g["root"], "[lost: ringbuf_full]");
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ((*lost)["kind"], "synthetic");
  EXPECT_EQ((*lost)["value"], 3 * 10'000'000);
  ASSERT_EQ(g["lost"].size(), 1u);
  EXPECT_EQ(g["lost"][0]["reason"], "ringbuf_full");
  EXPECT_EQ(g["lost"][0]["events"], 3);
  EXPECT_EQ(g["lost"][0]["value"], 3 * 10'000'000);
}

// Synthetic frame n of the profile, appended as the outermost frame of sample si,
// as profile_builder adds them (the reason is the root frame of its stack).
void add_root_frame(Profile& p, std::size_t si, const std::string& name) {
  Location why;
  why.function = name;
  why.kind = FrameKind::kSynthetic;
  p.locations.push_back(why);
  p.samples[si].locations.push_back(static_cast<std::uint32_t>(p.locations.size() - 1));
}

TEST(FlameGraph, IncompleteStacksAreNamedAndCounted) {
  Profile p = sample_profile();
  add_root_frame(p, 0, "[user stack unavailable: EFAULT]");
  // The table walker's reason, as the files have it (core/stack_truncation.h).
  add_root_frame(p, 1, "[truncated: table_missing]");
  const json g = graph(p, p);
  std::map<std::string, std::int64_t> reasons;
  for (const json& r : g["incomplete"]) reasons[r["reason"]] = r["value"];
  EXPECT_EQ(reasons.size(), 2u) << g["incomplete"];
  EXPECT_EQ(reasons["[user stack unavailable: EFAULT]"], 5);
  EXPECT_EQ(reasons["[truncated: table_missing]"], 7);
  // Right under the process, as the outermost frame of its stacks.
  const json* app = child(g["root"], "app");
  ASSERT_NE(app, nullptr);
  const json* cut = child(*app, "[truncated: table_missing]");
  ASSERT_NE(cut, nullptr);
  EXPECT_EQ((*cut)["kind"], "synthetic");
  EXPECT_EQ((*cut)["value"], 7);
}

TEST(FlameGraph, TopFunctionsBySelfCountEachFunctionOncePerSample) {
  const Profile p = sample_profile();
  const json g = graph(p, p);
  ASSERT_GE(g["top"].size(), 3u);
  EXPECT_EQ(g["top"][0]["name"], "compute");
  EXPECT_EQ(g["top"][0]["self"], 9);
  EXPECT_EQ(g["top"][0]["total"], 14);
  for (const json& r : g["top"])
    if (r["name"] == "main") {
      EXPECT_EQ(r["total"], 16) << r;
    }
}

TEST(FlameGraph, LabelValuesComeFromTheUnfilteredProfile) {
  const Profile p = sample_profile();
  LabelFilter f;
  f.accept["pid"] = {"200"};
  const json g = graph(filter_profile(p, f), p);
  EXPECT_EQ(g["total"], 2 + 3);
  std::vector<std::string> pids;
  for (const json& v : g["labels"]["pid"]) pids.push_back(v["value"]);
  EXPECT_EQ(pids, (std::vector<std::string>{"100", "200", "300"}));
  EXPECT_FALSE(g["labels"].contains("tid"));
  for (const json& v : g["labels"]["comm"]) EXPECT_NE(v["value"], "[lost]");
}

// Names come from other users' processes: they must arrive as JSON strings,
// whatever bytes they hold, and stay exactly what they were.
TEST(FlameGraph, HostileAndInvalidNamesStayJsonStrings) {
  Profile p = sample_profile();
  const std::string hostile = "<img src=x onerror=\"alert(1)\">\\\"};</script>";
  p.samples[1].comm = hostile;
  const json g = graph(p, p);
  EXPECT_NE(child(g["root"], hostile), nullptr);
  EXPECT_NE(child(g["root"], "\xEF\xBF\xBD\xEF\xBF\xBDodd"), nullptr) << "invalid UTF-8 replaced";
}

TEST(FlameGraph, FramesBelowTheDrawableFractionArePrunedAndCounted) {
  Profile p = sample_profile();
  p.samples[0].values[0] = kPruneDivisor * 100;  // everything else becomes < 1/10000
  const json g = graph(p, p);
  EXPECT_GT(g["pruned"], 0);
  EXPECT_EQ(g["root"]["value"], g["total"]) << "pruned frames still count in their parents";
}

// Regression (make fuzz, encoders): the prune test multiplied a node's value
// by kPruneDivisor in 64 bits; ten days of nanoseconds wrapped negative, and
// the largest frame of all was pruned as if it were the smallest.
TEST(FlameGraph, AHugeValueIsNotPrunedByAnOverflow) {
  Profile p = sample_profile();
  constexpr std::int64_t kTenDaysNs = 930'000'000'000'000;  // * 10000 > 2^63
  p.samples[0].values[0] = kTenDaysNs;
  const json g = graph(p, p);
  ASSERT_TRUE(g["root"].contains("children")) << g.dump();
  std::int64_t widest = 0;
  for (const json& c : g["root"]["children"]) widest = std::max(widest, c["value"].get<std::int64_t>());
  EXPECT_GE(widest, kTenDaysNs);
}

}  // namespace
}  // namespace profbufd
