#include "http/profile_query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace profbufd::http {
namespace {

using namespace std::chrono_literals;
using Params = std::multimap<std::string, std::string>;

// The one-line reason of a rejected query; fails the test if it parsed.
std::string reason(const Params& p) {
  auto r = parse_profile_query(p);
  if (r.ok()) {
    ADD_FAILURE() << "parsed, expected a 400";
    return {};
  }
  EXPECT_EQ(r.error().code, ExitCode::kUsage);
  return r.error().line();
}

TEST(HttpProfileQuery, DefaultsLikeGo) {
  auto r = parse_profile_query({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duration, 30s);
  EXPECT_TRUE(r->pids.empty());
  EXPECT_EQ(r->format, OutputFormat::kPprof);
}

TEST(HttpProfileQuery, EveryParameter) {
  auto r = parse_profile_query(
      {{"seconds", "15"}, {"pid", "42"}, {"pid", "4194304"}, {"format", "folded"}});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->duration, 15s);
  EXPECT_EQ(r->pids, (std::vector<std::uint32_t>{42, 4194304}));
  EXPECT_EQ(r->format, OutputFormat::kFolded);
  EXPECT_EQ(parse_profile_query({{"format", "json"}})->format, OutputFormat::kJson);
  EXPECT_EQ(parse_profile_query({{"format", "pprof"}})->format, OutputFormat::kPprof);
}

TEST(HttpProfileQuery, SecondsBounds) {
  EXPECT_EQ(parse_profile_query({{"seconds", "1"}})->duration, 1s);
  EXPECT_EQ(parse_profile_query({{"seconds", "300"}})->duration, 300s);
  EXPECT_EQ(parse_profile_query({{"seconds", "007"}})->duration, 7s);
  EXPECT_EQ(reason({{"seconds", "0"}}),
            "profbufd: seconds=0: must be at least 1 (use 1 to 300)");
  EXPECT_EQ(reason({{"seconds", "301"}}),
            "profbufd: seconds=301: above the maximum of 300 (use 1 to 300)");
  EXPECT_EQ(reason({{"seconds", "99999999999999999999999"}}),
            "profbufd: seconds=99999999999999999999999: above the maximum of 300 (use 1 to 300)");
}

TEST(HttpProfileQuery, SecondsMustBeAWholeNumber) {
  for (const char* bad : {"-1", "+5", "1.5", "abc", "", " 1", "1 ", "30s", "0x10"}) {
    auto r = parse_profile_query({{"seconds", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().why, "not a whole number of seconds") << bad;
    EXPECT_EQ(r.error().what, std::string("seconds=") + bad);
    EXPECT_EQ(r.error().hint, "use 1 to 300, e.g. seconds=30");
  }
  EXPECT_EQ(reason({{"seconds", "1"}, {"seconds", "2"}}),
            "profbufd: seconds: given more than once (give seconds= once)");
}

TEST(HttpProfileQuery, EchoedValuesStayShortAndOnOneLine) {
  const std::string line = reason({{"seconds", "1\n2\r3" + std::string(100, 'x')}});
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  EXPECT_NE(line.find("seconds=1?2?3xxx"), std::string::npos) << line;
  EXPECT_NE(line.find("x...: not a whole number"), std::string::npos) << line;
  EXPECT_LT(line.size(), 120u);
}

TEST(HttpProfileQuery, Pids) {
  EXPECT_EQ(reason({{"pid", "x"}}),
            "profbufd: pid=x: not a process id (use a whole number from 1 to 4194304)");
  for (const char* bad : {"0", "-1", "", "4194305", "1,2", "self"}) {
    auto r = parse_profile_query({{"pid", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().why, "not a process id") << bad;
  }
  // A repeated pid counts once.
  auto dup = parse_profile_query({{"pid", "7"}, {"pid", "8"}, {"pid", "7"}});
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->pids, (std::vector<std::uint32_t>{7, 8}));

  Params many;
  for (std::uint32_t pid = 1; pid <= kMaxQueryPids; ++pid) many.emplace("pid", std::to_string(pid));
  auto full = parse_profile_query(many);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->pids.size(), kMaxQueryPids);
  many.emplace("pid", "999");
  EXPECT_EQ(reason(many),
            "profbufd: pid=999: more than 32 processes "
            "(ask for fewer processes, or leave pid= out for all of them)");
}

TEST(HttpProfileQuery, Formats) {
  EXPECT_EQ(reason({{"format", "pdf"}}),
            "profbufd: format=pdf: unknown format (use pprof, json or folded)");
  EXPECT_EQ(reason({{"format", "JSON"}}),
            "profbufd: format=JSON: unknown format (use pprof, json or folded)");
  EXPECT_EQ(reason({{"format", ""}}),
            "profbufd: format=: unknown format (use pprof, json or folded)");
  EXPECT_EQ(reason({{"format", "json"}, {"format", "json"}}),
            "profbufd: format: given more than once (give format= once)");
}

TEST(HttpProfileQuery, OtherParametersAreIgnoredLikeGo) {
  auto r = parse_profile_query({{"seconds", "5"}, {"debug", "1"}, {"gc", "1"}, {"", ""}});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->duration, 5s);
  EXPECT_TRUE(r->debug_text);
}

TEST(HttpProfileQuery, DebugIsZeroOneOrTwoAsGoTakesIt) {
  EXPECT_FALSE(parse_profile_query({})->debug_text);
  EXPECT_FALSE(parse_profile_query({{"debug", "0"}})->debug_text);
  EXPECT_TRUE(parse_profile_query({{"debug", "2"}})->debug_text);
  EXPECT_EQ(reason({{"debug", "3"}}), "profbufd: debug=3: not 0, 1 or 2 (use debug=1 for text)");
  EXPECT_EQ(reason({{"debug", "x"}}), "profbufd: debug=x: not 0, 1 or 2 (use debug=1 for text)");
  EXPECT_EQ(reason({{"debug", "1"}, {"debug", "1"}}),
            "profbufd: debug: given more than once (give debug= once)");
}

}  // namespace
}  // namespace profbufd::http

namespace profbufd::http {
namespace {

TEST(HttpProfileQuery, CgroupsAndContainers) {
  auto r = parse_profile_query({{"cgroup", "/system.slice//nginx.service/"},
                                {"cgroup", "/system.slice/nginx.service"},
                                {"container", "4B6A08AA"},
                                {"container", "4b6a08aa"},
                                {"pid", "7"}});
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->cgroups, (std::vector<std::string>{"/system.slice/nginx.service"}));
  EXPECT_EQ(r->containers, (std::vector<std::string>{"4b6a08aa"}));
  EXPECT_EQ(r->pids, (std::vector<std::uint32_t>{7}));
  EXPECT_NE(reason({{"cgroup", "system.slice"}}).find("not an absolute path"), std::string::npos);
  EXPECT_NE(reason({{"cgroup", "/a/../b"}}).find(".."), std::string::npos);
  EXPECT_NE(reason({{"container", "xyz"}}).find("not a container id"), std::string::npos);
  EXPECT_NE(reason({{"container", std::string(65, 'a')}}).find("not a container id"),
            std::string::npos);
  Params many;
  for (int i = 0; i <= 16; ++i) many.emplace("container", std::to_string(1000 + i));
  EXPECT_NE(reason(many).find("more than 16"), std::string::npos);
}

}  // namespace
}  // namespace profbufd::http
