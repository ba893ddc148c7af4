#include "encode/goroutine_text.h"

#include <gtest/gtest.h>

#include <string>

namespace profbufd {
namespace {

Sample thread(std::vector<std::uint32_t> locations, const std::string& state, std::uint32_t tid) {
  Sample s;
  s.locations = std::move(locations);
  s.values[0] = 1;
  s.tid = tid;
  s.labels.push_back(Label{"state", state, 0, false});
  return s;
}

Profile profile() {
  Profile p;
  p.sample_types = {{"goroutine", "count"}};
  Location user;
  user.address = 0x401000;
  user.function = "park_sleep";
  user.module = "w";
  user.lines.push_back(SourceLine{"park_sleep", "/src/w.c", 42, 40});
  Location kernel;
  kernel.address = 0xffffffff81000000;
  kernel.function = "hrtimer_nanosleep";
  kernel.module = "[kernel.kallsyms]";
  kernel.kind = FrameKind::kKernel;
  p.locations = {user, kernel};
  p.samples = {thread({1, 0}, "S", 10), thread({0}, "R", 11), thread({1, 0}, "S", 12)};
  return p;
}

TEST(GoroutineText, GroupsThreadsByStackAndStateLargestFirstAsGoDebug1) {
  EXPECT_EQ(render_goroutine_text(profile()),
            "goroutine profile: total 3\n"
            "2 @ 0xffffffff81000000 0x401000\n"
            "# labels: {\"state\":\"S\"}\n"
            "#\t0xffffffff81000000\thrtimer_nanosleep\t[kernel.kallsyms]\n"
            "#\t0x401000\tpark_sleep\t/src/w.c:42\n"
            "\n"
            "1 @ 0x401000\n"
            "# labels: {\"state\":\"R\"}\n"
            "#\t0x401000\tpark_sleep\t/src/w.c:42\n"
            "\n");
}

TEST(GoroutineText, AnEmptyProfileIsItsTotalLine) {
  Profile p;
  p.sample_types = {{"goroutine", "count"}};
  EXPECT_EQ(render_goroutine_text(p), "goroutine profile: total 0\n");
}

}  // namespace
}  // namespace profbufd
