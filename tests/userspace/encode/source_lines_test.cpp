// Source lines and inlined calls (Location::lines) in the JSON, folded and
// flame-graph writers; pprof_test.cpp checks them in pprof.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "encode/flame_graph.h"
#include "encode/folded.h"
#include "encode/json_writer.h"
#include "test_profile.h"

namespace profbufd {
namespace {

using nlohmann::json;

TEST(SourceLines, JsonInlinedFramesComeFirstMarkedWithFileAndLine) {
  const json doc = json::parse(render_json(testing::inlined_profile()));
  bool seen = false;
  for (const json& st : doc["stacks"]) {
    const json& f = st["frames"];
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (f[i]["function"] != "kernel_of") continue;
      seen = true;
      ASSERT_LT(i + 3, f.size() + 1);
      EXPECT_EQ(f[i]["file"], "/src/app/math.h");
      EXPECT_EQ(f[i]["line"], 12);
      EXPECT_EQ(f[i]["inlined"], true);
      EXPECT_EQ(f[i + 1]["function"], "step");
      EXPECT_EQ(f[i + 1]["inlined"], true);
      EXPECT_EQ(f[i + 2]["function"], "compute");
      EXPECT_EQ(f[i + 2]["line"], 57);
      EXPECT_FALSE(f[i + 2].contains("inlined"));
      // One Location: the same address for all three.
      EXPECT_EQ(f[i]["address"], f[i + 2]["address"]);
      EXPECT_EQ(f[i + 3]["function"], "main");
      EXPECT_EQ(f[i + 3]["line"], 91);
    }
    for (const json& fr : f) {
      if (fr["function"] == "do_syscall_64") {
        EXPECT_FALSE(fr.contains("line"));
      }
    }
  }
  EXPECT_TRUE(seen);
}

TEST(SourceLines, FoldedHasInlinedCallsAsFramesOutermostFirst) {
  const std::string folded = render_folded(testing::inlined_profile(), 0);
  EXPECT_NE(folded.find("\napp;main;compute;step;kernel_of 9\n"), std::string::npos) << folded;
  EXPECT_NE(folded.find("app;main;compute;step;kernel_of;"), std::string::npos) << folded;
}

TEST(SourceLines, FlameGraphTreeHasInlinedCalls) {
  const Profile p = testing::inlined_profile();
  const std::string fg = flame_graph_json(p, p, FlameGraphRequest{});
  const json doc = json::parse(fg);
  const json* node = &doc["root"];
  for (const char* name : {"app", "main", "compute", "step", "kernel_of"}) {
    const json* next = nullptr;
    for (const json& c : (*node)["children"])
      if (c["name"] == name) next = &c;
    ASSERT_NE(next, nullptr) << name;
    node = next;
  }
}

}  // namespace
}  // namespace profbufd
