// The pprof writer is checked two ways: by the real consumer (`go tool pprof`,
// reading the gzip file as a user would), and field by field with a minimal
// wire-format reader below, for what pprof's text views do not show.
#include "encode/pprof.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <set>
#include <stdexcept>

#include "gunzip.h"
#include "proto_wire.h"
#include "encode/utf8.h"
#include "run_command.h"
#include "test_profile.h"

namespace profbufd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::sample_profile;

// ---- go tool pprof -----------------------------------------------------------

#define REQUIRE_GO_OR_SKIP()                                                      \
  do {                                                                            \
    if (!testing::find_in_path("go")) {                                           \
      if (testing::running_under_ci())                                            \
        FAIL() << "go is not installed but CI=true: install golang-go (make deps)"; \
      GTEST_SKIP() << "go is not installed: go tool pprof checks skipped "        \
                      "(apt-get install golang-go)";                              \
    }                                                                             \
  } while (0)

class PprofGoTool : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/profbufd-pprof-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `p` as a .pb.gz file and runs `go tool pprof <flags> <file>`.
  std::string go_pprof(const Profile& p, std::vector<std::string> flags) {
    Result<std::string> gz = render_pprof(p);
    EXPECT_TRUE(gz.ok());
    const std::string file = dir_ + "/profile.pb.gz";
    std::ofstream(file, std::ios::binary) << *gz;
    std::vector<std::string> argv = {"go", "tool", "pprof"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(file);
    // pprof keeps state under $HOME/pprof for some modes; give it a home if
    // the test environment has none.
    if (!std::getenv("HOME")) ::setenv("HOME", dir_.c_str(), 1);
    const testing::CommandResult r = testing::run_command(argv);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.out;
  }

  std::string dir_;
};

// "flat  flat%  sum%  cum  cum%  name" rows of -top, as name -> {flat, cum}.
// (No std::regex: GCC 12 warns inside it under -fsanitize, and -Werror.)
std::map<std::string, std::pair<long, long>> top_rows(const std::string& out) {
  auto is_count = [](const std::string& t) {
    return !t.empty() && t.find_first_not_of("0123456789") == std::string::npos;
  };
  auto is_percent = [](const std::string& t) {
    return t.size() > 1 && t.back() == '%' &&
           t.find_first_not_of("0123456789.") == t.size() - 1;
  };
  std::map<std::string, std::pair<long, long>> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string flat, flat_pct, sum_pct, cum, cum_pct, name;
    if (!(fields >> flat >> flat_pct >> sum_pct >> cum >> cum_pct)) continue;
    if (!is_count(flat) || !is_percent(flat_pct) || !is_percent(sum_pct) ||
        !is_count(cum) || !is_percent(cum_pct))
      continue;
    std::getline(fields >> std::ws, name);
    rows[name] = {std::stol(flat), std::stol(cum)};
  }
  return rows;
}

TEST_F(PprofGoTool, TopShowsFunctionsWithFlatAndCumulativeCounts) {
  REQUIRE_GO_OR_SKIP();
  Profile p = sample_profile();
  p.locations[testing::kWeirdName].function = "weird;name";  // keep rows on one line
  const std::string out = go_pprof(p, {"-top", "-sample_index=samples"});
  EXPECT_THAT(out, HasSubstr("Total samples = 19"));
  const auto rows = top_rows(out);
  using Row = std::pair<long, long>;
  EXPECT_EQ(rows.at("compute"), Row(9, 14));  // 7 + 2 merged by function
  EXPECT_EQ(rows.at("do_syscall_64"), Row(5, 5));
  EXPECT_EQ(rows.at("entry_SYSCALL_64"), Row(0, 5));
  EXPECT_EQ(rows.at("[lost: ringbuf_full]"), Row(3, 3));
  EXPECT_EQ(rows.at("libfoo.so+0x1234"), Row(1, 1));
  EXPECT_EQ(rows.at("weird;name"), Row(1, 1));
  EXPECT_EQ(rows.at("bad\xef\xbf\xbd(sym"), Row(0, 1));
  EXPECT_EQ(rows.at("main"), Row(0, 16));
  EXPECT_EQ(rows.size(), 8u) << out;
}

TEST_F(PprofGoTool, CpuTimeIsCountTimesPeriod) {
  REQUIRE_GO_OR_SKIP();
  const std::string out = go_pprof(sample_profile(), {"-top", "-unit=ms"});
  EXPECT_THAT(out, HasSubstr("Type: cpu"));  // default_sample_type
  EXPECT_THAT(out, HasSubstr("Total samples = 190ms"));
  EXPECT_THAT(out, HasSubstr("90ms 47.37% 47.37%      140ms 73.68%  compute"));
}

TEST_F(PprofGoTool, TracesShowLeafFirstStacksWithLabels) {
  REQUIRE_GO_OR_SKIP();
  const std::string out = go_pprof(sample_profile(), {"-traces"});
  // Sample A: labels, then the stack leaf first, kernel frames on top.
  EXPECT_THAT(out, HasSubstr("      comm:  app\n"
                             "       pid:  100\n"
                             "       tid:  100\n"
                             "      50ms   do_syscall_64\n"
                             "             entry_SYSCALL_64\n"
                             "             compute\n"
                             "             main\n"));
  EXPECT_THAT(out, HasSubstr("       pid:  200\n"
                             "       tid:  200\n"
                             "      20ms   compute\n"
                             "             main\n"));
  // The non-UTF-8 comm arrives as replacement characters.
  EXPECT_THAT(out, HasSubstr("      comm:  \xef\xbf\xbd\xef\xbf\xbdodd\n"
                             "       pid:  300\n"
                             "       tid:  301\n"
                             "      10ms   libfoo.so+0x1234\n"
                             "             main\n"));
  // Lost samples: a frame of their own. pid 0 is dropped by pprof's decoder
  // (a numeric label 0 reads as absent), comm remains.
  EXPECT_THAT(out, HasSubstr("      comm:  [lost]\n"
                             "      30ms   [lost: ringbuf_full]\n"));
}

TEST_F(PprofGoTool, RawShowsMappingsBuildIdsLocationsAndMetadata) {
  REQUIRE_GO_OR_SKIP();
  const std::string out = go_pprof(sample_profile(), {"-raw"});
  EXPECT_THAT(out, HasSubstr("PeriodType: cpu nanoseconds\nPeriod: 10000000\n"));
  EXPECT_THAT(out, HasSubstr("Time: 2026-11-21 19:53:00.123456789 +0000 UTC"));
  EXPECT_THAT(out, HasSubstr("Duration: 10s"));
  EXPECT_THAT(out, HasSubstr("samples/count cpu/nanoseconds[dflt]"));
  EXPECT_THAT(out, HasSubstr("Comment: lost samples ringbuf_full 3"));
  EXPECT_THAT(out, HasSubstr("Comment: host testhost"));
  // Values [count, count * period], location ids leaf first. go tool pprof
  // renumbers locations in order of first use, so sample A reads 1 2 3 4 =
  // do_syscall_64, entry_SYSCALL_64, compute, main (checked below).
  EXPECT_THAT(out, HasSubstr("          5   50000000: 1 2 3 4 \n"));
  EXPECT_THAT(out, HasSubstr("     3: 0x555555555200 M=2 compute "));
  EXPECT_THAT(out, HasSubstr("     4: 0x555555555100 M=2 main "));
  EXPECT_THAT(out, HasSubstr("          3   30000000: 6 \n"));
  EXPECT_THAT(out, HasSubstr("\n1: 0xffffffff81000000/0xffffffff82000000/0x0 "
                             "[kernel.kallsyms]  [FN]\n"));
  EXPECT_THAT(out, HasSubstr("\n2: 0x555555555000/0x555555556000/0x1000 /usr/bin/app "
                             "aabbccddeeff00112233445566778899aabbccdd [FN]\n"));
  EXPECT_THAT(out, HasSubstr("\n3: 0x7f0000001000/0x7f0000010000/0x1000 "
                             "/usr/lib/libfoo.so "
                             "0123456789abcdef0123456789abcdef01234567 [FN]\n"));
  EXPECT_THAT(out, HasSubstr("     1: 0xffffffff81001234 M=1 do_syscall_64 "));
  EXPECT_THAT(out, HasSubstr("     5: 0x7f0000001234 M=3 libfoo.so+0x1234 "));
  // The synthetic frame has no mapping ("M=") and address 0.
  EXPECT_THAT(out, HasSubstr("     6: 0x0 [lost: ringbuf_full] "));
}

TEST_F(PprofGoTool, EmptyProfileIsReadable) {
  REQUIRE_GO_OR_SKIP();
  Profile p;
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 10101010;
  const std::string out = go_pprof(p, {"-raw"});
  EXPECT_THAT(out, HasSubstr("Period: 10101010"));
}

// ---- field-level checks with a minimal wire-format reader ----------------------

using namespace testing::wire;

struct Decoded {
  std::vector<Field> top;
  std::vector<std::string> strings;
  std::string str(std::uint64_t i) const { return strings.at(i); }
};

Decoded decode(const Profile& p) {
  Decoded d;
  d.top = parse(testing::gunzip(*render_pprof(p)));
  for (const Field& f : all(d.top, 6)) d.strings.push_back(f.bytes);
  return d;
}

TEST(PprofFields, GzipOfTheUncompressedEncoding) {
  const Profile p = sample_profile();
  EXPECT_EQ(testing::gunzip(*render_pprof(p)), encode_pprof_proto(p));
}

TEST(PprofFields, StringTableStartsWithEmptyAndIsValidUtf8) {
  const Decoded d = decode(sample_profile());
  ASSERT_FALSE(d.strings.empty());
  EXPECT_EQ(d.strings[0], "");
  for (const std::string& s : d.strings) EXPECT_TRUE(is_valid_utf8(s)) << s;
  std::set<std::string> unique(d.strings.begin(), d.strings.end());
  EXPECT_EQ(unique.size(), d.strings.size()) << "duplicate string table entries";
}

TEST(PprofFields, SampleTypesPeriodAndDefault) {
  const Decoded d = decode(sample_profile());
  const auto types = all(d.top, 1);
  ASSERT_EQ(types.size(), 2u);
  EXPECT_EQ(d.str(one(parse(types[0].bytes), 1)), "samples");
  EXPECT_EQ(d.str(one(parse(types[0].bytes), 2)), "count");
  EXPECT_EQ(d.str(one(parse(types[1].bytes), 1)), "cpu");
  EXPECT_EQ(d.str(one(parse(types[1].bytes), 2)), "nanoseconds");
  const auto period_type = parse(all(d.top, 11).at(0).bytes);
  EXPECT_EQ(d.str(one(period_type, 1)), "cpu");
  EXPECT_EQ(d.str(one(period_type, 2)), "nanoseconds");
  EXPECT_EQ(one(d.top, 12), 10'000'000u);
  EXPECT_EQ(one(d.top, 9), static_cast<std::uint64_t>(testing::kSampleStartNs));
  EXPECT_EQ(one(d.top, 10), 10'000'000'000u);
  EXPECT_EQ(d.str(one(d.top, 14)), "cpu");
}

TEST(PprofFields, LabelsArePidTidNumericAndCommString) {
  const Decoded d = decode(sample_profile());
  const auto samples = all(d.top, 2);
  ASSERT_EQ(samples.size(), 6u);
  const auto s1 = parse(samples[1].bytes);  // pid 100, tid 101
  EXPECT_EQ(packed(s1, 1), (std::vector<std::uint64_t>{4, 3}));
  EXPECT_EQ(packed(s1, 2), (std::vector<std::uint64_t>{7, 70'000'000}));
  std::map<std::string, std::string> labels;
  for (const Field& l : all(s1, 3)) {
    const auto lf = parse(l.bytes);
    const std::string key = d.str(one(lf, 1));
    labels[key] = all(lf, 2).empty() ? "num:" + std::to_string(one(lf, 3))
                                     : "str:" + d.str(one(lf, 2));
  }
  EXPECT_EQ(labels, (std::map<std::string, std::string>{
                        {"pid", "num:100"}, {"tid", "num:101"}, {"comm", "str:app"}}));
}

TEST(PprofFields, KindLabelsFollowTheIdentityLabels) {
  Profile p = sample_profile();
  p.samples[1].labels = {Label{"state", "D", 0, false}, Label{"nspid", "", 12, true}};
  const Decoded d = decode(p);
  const auto s1 = parse(all(d.top, 2).at(1).bytes);
  std::vector<std::string> keys;
  for (const Field& l : all(s1, 3)) keys.push_back(d.str(one(parse(l.bytes), 1)));
  EXPECT_EQ(keys, (std::vector<std::string>{"pid", "tid", "comm", "state", "nspid"}));
  const auto nspid = parse(all(s1, 3).at(4).bytes);
  EXPECT_EQ(one(nspid, 3), 12u);
}

TEST(PprofFields, AsManyValuesAsSampleTypes) {
  Profile p = sample_profile();
  p.sample_types.push_back({"extra", "bytes"});
  p.samples[1].values[2] = 99;
  const Decoded d = decode(p);
  EXPECT_EQ(all(d.top, 1).size(), 3u);
  EXPECT_EQ(packed(parse(all(d.top, 2).at(1).bytes), 2),
            (std::vector<std::uint64_t>{7, 70'000'000, 99}));
}

TEST(PprofFields, FunctionsAreDeduplicatedByNameAndModule) {
  Profile p = sample_profile();
  // A second "main", in another module, and a second location of "compute".
  p.mappings.push_back(Mapping{0x400000, 0x401000, 0, "/usr/bin/other", "", false});
  p.locations.push_back(Location{0x400100, 3, "main", "other", 0x100, FrameKind::kUser, true, {}});
  p.locations.push_back(Location{0x555555555280, 1, "compute", "app", 0x1280,
                                 FrameKind::kUser, true, {}});
  Sample other;
  other.pid = other.tid = 7;
  other.comm = "other";
  other.locations = {9, 8};
  other.values = {1, 10'000'000};
  p.samples.push_back(other);
  const Decoded d = decode(p);

  std::map<std::uint64_t, std::string> fn_names;
  for (const Field& f : all(d.top, 5)) {
    const auto ff = parse(f.bytes);
    fn_names[one(ff, 1)] = d.str(one(ff, 2));
    EXPECT_EQ(one(ff, 2), one(ff, 3)) << "system_name = name";
  }
  // 8 distinct (name, module) in sample_profile, + ("main", "other").
  EXPECT_EQ(fn_names.size(), 9u);
  int mains = 0;
  for (const auto& [id, name] : fn_names) mains += name == "main";
  EXPECT_EQ(mains, 2);

  // Location id = index + 1; both "compute" locations share one function.
  std::map<std::uint64_t, std::uint64_t> loc_fn;
  for (const Field& f : all(d.top, 4)) {
    const auto lf = parse(f.bytes);
    const auto lines = all(lf, 4);
    ASSERT_EQ(lines.size(), 1u);
    loc_fn[one(lf, 1)] = one(parse(lines[0].bytes), 1);
  }
  ASSERT_EQ(loc_fn.size(), p.locations.size());
  EXPECT_EQ(loc_fn.at(testing::kCompute + 1), loc_fn.at(10));
  EXPECT_NE(loc_fn.at(testing::kMain + 1), loc_fn.at(9));
}

TEST(PprofFields, MappingsAndSyntheticLocation) {
  const Decoded d = decode(sample_profile());
  const auto mappings = all(d.top, 3);
  ASSERT_EQ(mappings.size(), 3u);
  const auto m2 = parse(mappings[1].bytes);
  EXPECT_EQ(one(m2, 1), 2u);
  EXPECT_EQ(one(m2, 2), 0x555555555000u);
  EXPECT_EQ(one(m2, 3), 0x555555556000u);
  EXPECT_EQ(one(m2, 4), 0x1000u);
  EXPECT_EQ(d.str(one(m2, 5)), "/usr/bin/app");
  EXPECT_EQ(d.str(one(m2, 6)), "aabbccddeeff00112233445566778899aabbccdd");
  EXPECT_EQ(one(m2, 7), 1u);  // has_functions

  const auto lost = parse(all(d.top, 4).at(testing::kLost).bytes);
  EXPECT_EQ(one(lost, 1), testing::kLost + 1u);
  EXPECT_TRUE(all(lost, 2).empty()) << "synthetic frame must have no mapping";
  EXPECT_TRUE(all(lost, 3).empty()) << "synthetic frame has address 0";
}

TEST(PprofFields, IsDeterministic) {
  EXPECT_EQ(encode_pprof_proto(sample_profile()), encode_pprof_proto(sample_profile()));
  EXPECT_EQ(*render_pprof(sample_profile()), *render_pprof(sample_profile()));
}

TEST(PprofFields, BrokenIndicesAreInvariantViolations) {
  Profile p = sample_profile();
  p.samples[0].locations.push_back(999);
  EXPECT_THROW(encode_pprof_proto(p), std::out_of_range);
  Profile q = sample_profile();
  q.locations[0].mapping = 42;
  EXPECT_THROW(encode_pprof_proto(q), std::out_of_range);
}

// Inlined calls: several Lines in one Location, innermost first; functions
// with their file and first line.
TEST(PprofFields, SourceLinesAndInlinedCalls) {
  const Decoded d = decode(testing::inlined_profile());
  struct Fn {
    std::string name, file;
    std::uint64_t start_line;
  };
  std::map<std::uint64_t, Fn> fns;
  for (const Field& f : all(d.top, 5)) {
    const auto ff = parse(f.bytes);
    fns[one(ff, 1)] = Fn{d.str(one(ff, 2)), d.str(one(ff, 4)), one(ff, 5)};
  }
  const auto loc = parse(all(d.top, 4).at(testing::kCompute).bytes);
  const auto lines = all(loc, 4);
  ASSERT_EQ(lines.size(), 3u);
  const std::pair<const char*, std::uint64_t> want[] = {
      {"kernel_of", 12}, {"step", 30}, {"compute", 57}};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto l = parse(lines[i].bytes);
    EXPECT_EQ(fns.at(one(l, 1)).name, want[i].first);
    EXPECT_EQ(one(l, 2), want[i].second);
  }
  EXPECT_EQ(fns.at(one(parse(lines[0].bytes), 1)).file, "/src/app/math.h");
  EXPECT_EQ(fns.at(one(parse(lines[0].bytes), 1)).start_line, 10u);
  EXPECT_EQ(fns.at(one(parse(lines[2].bytes), 1)).file, "/src/app/app.c");
  EXPECT_EQ(fns.at(one(parse(lines[2].bytes), 1)).start_line, 50u);
  // A frame without lines keeps one Line, without a line number.
  const auto plain = all(parse(all(d.top, 4).at(testing::kDoSyscall).bytes), 4);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_TRUE(all(parse(plain[0].bytes), 2).empty());
}

TEST_F(PprofGoTool, LinesShowsInlinedFramesWithFileAndLine) {
  REQUIRE_GO_OR_SKIP();
  const std::string out = go_pprof(testing::inlined_profile(),
                                   {"-lines", "-top", "-sample_index=samples"});
  EXPECT_THAT(out, HasSubstr("kernel_of /src/app/math.h:12 (inline)"));
  EXPECT_THAT(out, HasSubstr("step /src/app/math.h:30 (inline)"));
  EXPECT_THAT(out, HasSubstr("compute /src/app/app.c:57"));
  EXPECT_THAT(out, HasSubstr("main /src/app/app.c:91"));
  const std::string traces = go_pprof(testing::inlined_profile(), {"-traces"});
  EXPECT_NE(traces.find("kernel_of"), std::string::npos);
  // Innermost first within the location, as pprof prints stacks.
  EXPECT_LT(traces.find("kernel_of"), traces.find("step"));
  EXPECT_LT(traces.find("step"), traces.find("compute"));
}

}  // namespace
}  // namespace profbufd
