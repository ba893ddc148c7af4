#include "encode/folded.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "test_profile.h"

namespace profbufd {
namespace {

using testing::sample_profile;

TEST(Folded, SampleProfileExactOutput) {
  // Root first; B and C (pids 100/200, same comm and stack) merged into 9;
  // kernel frames suffixed; ';' and '\n' in a name sanitized; bytes that are
  // not UTF-8 kept; sorted bytewise by stack.
  const std::string expected =
      "[lost];[lost: ringbuf_full] 3\n"
      "app;main;bad\xc3(sym;weird:name?x 1\n"
      "app;main;compute 9\n"
      "app;main;compute;entry_SYSCALL_64_[k];do_syscall_64_[k] 5\n"
      "\xff\xfeodd;main;libfoo.so+0x1234 1\n";
  EXPECT_EQ(render_folded(sample_profile()), expected);
}

TEST(Folded, EveryLineHasExactlyOneSeparatorBeforeTheCount) {
  // The flamegraph.pl contract: "frames count", count after the last space.
  std::istringstream in(render_folded(sample_profile()));
  std::string line;
  std::uint64_t total = 0;
  while (std::getline(in, line)) {
    const auto sp = line.rfind(' ');
    ASSERT_NE(sp, std::string::npos) << line;
    total += std::stoull(line.substr(sp + 1));
  }
  EXPECT_EQ(total, 16u + 3u);  // captured + lost
}

TEST(Folded, SameStackDifferentCommIsNotMerged) {
  Profile p = sample_profile();
  p.samples[2].comm = "other";
  const std::string out = render_folded(p);
  EXPECT_NE(out.find("app;main;compute 7\n"), std::string::npos) << out;
  EXPECT_NE(out.find("other;main;compute 2\n"), std::string::npos) << out;
}

TEST(Folded, ZeroCountSamplesAndEmptyProfileProduceNoLines) {
  Profile p = sample_profile();
  for (Sample& s : p.samples) s.values = {};
  EXPECT_EQ(render_folded(p), "");
  EXPECT_EQ(render_folded(Profile{}), "");
}

TEST(Folded, StackWithoutFramesIsJustTheComm) {
  Profile p;
  p.sample_types = {{"samples", "count"}};
  Sample s;
  s.comm = "idle";
  s.values[0] = 4;
  p.samples.push_back(s);
  EXPECT_EQ(render_folded(p), "idle 4\n");
}

TEST(Folded, TakesTheValueItIsAskedFor) {
  const Profile p = sample_profile();
  const std::string out = render_folded(p, 1);  // cpu/nanoseconds
  EXPECT_NE(out.find("app;main;compute 90000000\n"), std::string::npos) << out;
  EXPECT_THROW(render_folded(p, 2), std::out_of_range);
}

TEST(Folded, SanitizeName) {
  EXPECT_EQ(sanitize_folded_name("a;b;c"), "a:b:c");
  EXPECT_EQ(sanitize_folded_name("line\nbreak\r\ttab"), "line?break??tab");
  EXPECT_EQ(sanitize_folded_name(std::string("nul\0x", 5)), "nul?x");
  EXPECT_EQ(sanitize_folded_name("del\x7f"), "del?");
  EXPECT_EQ(sanitize_folded_name(""), "[unknown]");
  EXPECT_EQ(sanitize_folded_name("std::vector<int>::at(unsigned long) const"),
            "std::vector<int>::at(unsigned long) const");
  EXPECT_EQ(sanitize_folded_name("\xff\xfe"), "\xff\xfe");
}

TEST(Folded, BrokenLocationIndexIsAnInvariantViolation) {
  Profile p = sample_profile();
  p.samples[0].locations.push_back(999);
  EXPECT_THROW(render_folded(p), std::out_of_range);
}

}  // namespace
}  // namespace profbufd

namespace profbufd {
namespace {

TEST(Folded, ALabelAsTheRootFrame) {
  Profile p;
  p.sample_types = {{"samples", "count"}};
  p.locations.push_back(Location{0x10, kNoMapping, "main", "x", 0, FrameKind::kUser, true, {}});
  Sample in;
  in.comm = "sh";
  in.values[0] = 2;
  in.locations = {0};
  in.labels.push_back(Label{"service_name", "4b6a08aa;x", 0, false});
  in.labels.push_back(Label{"nspid", {}, 1, true});
  Sample out;
  out.comm = "sh";
  out.values[0] = 3;
  out.locations = {0};
  p.samples = {in, out};
  p.metadata.folded_root = "service_name";
  EXPECT_EQ(render_folded(p), "4b6a08aa:x;sh;main 2\n[no service_name];sh;main 3\n");
  p.metadata.folded_root = "nspid";
  EXPECT_EQ(render_folded(p), "1;sh;main 2\n[no nspid];sh;main 3\n");
}

}  // namespace
}  // namespace profbufd
