#include "encode/json_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "test_profile.h"

namespace profbufd {
namespace {

using nlohmann::json;
using testing::sample_profile;

// Fixtures live beside the tests in the source tree; __FILE__ is relative to
// the repository root, where make runs the tests.
std::string read_fixture(const std::string& name) {
  const auto path =
      std::filesystem::path(__FILE__).parent_path() / "../../fixtures/output" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open fixture " << path << " (run from the repository root)";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Sample sample(std::uint32_t pid, std::uint32_t tid, std::vector<std::uint32_t> locs,
              std::int64_t n) {
  Sample s;
  s.pid = pid;
  s.tid = tid;
  s.comm = "x";
  s.locations = std::move(locs);
  s.values = {n, n * 1'000'000};
  return s;
}

Profile tiny_profile() {
  Profile p;
  p.metadata.kind = "cpu";
  p.metadata.version = "0.1.0";
  p.metadata.host = "h";
  p.metadata.kernel = "k";
  p.metadata.start_unix_ns = 1'000'000'001;
  p.metadata.duration_ns = 5;
  p.metadata.cpus = 1;
  p.metadata.details = {{"frequency_hz", 1000}, {"idle_accounted_samples", 0}};
  p.metadata.comments = {"settings changed: at T: pids none -> 1"};
  p.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.default_sample_type = "cpu";
  p.period_type = {"cpu", "nanoseconds"};
  p.period = 1'000'000;
  p.mappings.push_back(Mapping{0x1000, 0x2000, 0, "/bin/x", "ab", false});
  p.locations.push_back(Location{0x1010, 0, "f", "x", 0x10, FrameKind::kUser, true, {}});
  p.locations.push_back(Location{0x1020, 0, "g", "x", 0x20, FrameKind::kUser, true, {}});
  p.samples.push_back(sample(1, 2, {0}, 1));
  p.samples.push_back(sample(1, 3, {0, 1}, 4));
  return p;
}

TEST(JsonWriter, TinyProfileExactCompactOutput) {
  const std::string expected =
      R"({"schema":"profbufd/profile","schema_version":2,)"
      R"("metadata":{"kind":"cpu","version":"0.1.0","host":"h","kernel":"k",)"
      R"("start":"1970-01-01T00:00:01.000000001Z","start_unix_ns":1000000001,)"
      R"("duration_ns":5,"cpus":1,)"
      R"("sample_types":[{"type":"samples","unit":"count"},{"type":"cpu","unit":"nanoseconds"}],)"
      R"("default_sample_type":"cpu","period_type":{"type":"cpu","unit":"nanoseconds"},)"
      R"("period":1000000,"totals":[5,5000000],"lost_samples":{},)"
      R"("user_unwind":"fp","truncated_stacks":{},"python_stacks":{},"named_frames":{},)"
      R"("unnamed_frames":{},)"
      R"("details":{"frequency_hz":1000,"idle_accounted_samples":0},)"
      R"("comments":["settings changed: at T: pids none -> 1"]},)"
      R"("stacks":[)"
      R"({"values":[4,4000000],"labels":{"pid":1,"tid":3,"comm":"x"},"frames":[)"
      R"({"function":"f","module":"x","offset":"0x10","address":"0x1010","kind":"user","resolved":true},)"
      R"({"function":"g","module":"x","offset":"0x20","address":"0x1020","kind":"user","resolved":true}]},)"
      R"({"values":[1,1000000],"labels":{"pid":1,"tid":2,"comm":"x"},"frames":[)"
      R"({"function":"f","module":"x","offset":"0x10","address":"0x1010","kind":"user","resolved":true}]}]})"
      "\n";
  EXPECT_EQ(render_json(tiny_profile()), expected);
}

TEST(JsonWriter, SampleProfileMatchesGoldenFile) {
  // The golden file is the documented example of the schema (pretty-printed):
  // the same document, whatever the spacing.
  EXPECT_EQ(json::parse(render_json(sample_profile())),
            json::parse(read_fixture("sample_profile.json")));
}

// The streaming writer escapes exactly as nlohmann's serializer does.
TEST(JsonWriter, EscapesAsNlohmannDoes) {
  std::string all_bytes;
  for (int c = 1; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  const std::vector<std::string> names = {
      all_bytes, "plain", "quote\" back\\slash", "\x01\x1f\x7f", "caf\xc3\xa9", "\xe2\x82",
      "\xf0\x9f\x98\x80 emoji", "\xed\xa0\x80 surrogate", "\xc0\xaf overlong", "",
      std::string("nul\0byte", 8)};
  for (const std::string& n : names) {
    Profile p = tiny_profile();
    p.samples[0].comm = n;
    p.locations[0].function = n;
    const std::string out = render_json(p);
    // Parsed and re-serialized by nlohmann (keys kept in order), the same bytes
    // come out. parse() throws on invalid JSON or UTF-8.
    const auto doc = nlohmann::ordered_json::parse(out);
    EXPECT_EQ(doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", out) << n;
  }
}

TEST(JsonWriter, KindLabelsAreLabels) {
  Profile p = tiny_profile();
  p.samples[1].labels = {Label{"state", "D", 0, false}, Label{"nspid", "", 12, true}};
  const json doc = json::parse(render_json(p));
  const json& labels = doc["stacks"][0]["labels"];
  EXPECT_EQ(labels["state"], "D");
  EXPECT_EQ(labels["nspid"], 12);
  EXPECT_EQ(labels["comm"], "x");
}

TEST(JsonWriter, ParsesBackWithSchemaAndMetadata) {
  const json doc = json::parse(render_json(sample_profile()));
  EXPECT_EQ(doc["schema"], "profbufd/profile");
  EXPECT_EQ(doc["schema_version"], kJsonSchemaVersion);
  const json& md = doc["metadata"];
  EXPECT_EQ(md["start"], "2026-11-21T19:53:00.123456789Z");
  EXPECT_EQ(md["start_unix_ns"].get<std::int64_t>(), testing::kSampleStartNs);
  EXPECT_EQ(md["kind"], "cpu");
  EXPECT_EQ(md["period"], 10'000'000);
  EXPECT_EQ(md["default_sample_type"], "cpu");
  EXPECT_EQ(md["totals"], json({19, 190'000'000}));
  EXPECT_EQ(md["lost_samples"], json({{"ringbuf_full", 3}}));
  EXPECT_EQ(md["details"]["frequency_hz"], 100);
}

TEST(JsonWriter, StacksSortedByTheDefaultValueDescendingFramesLeafFirst) {
  const json doc = json::parse(render_json(sample_profile()));
  const json& stacks = doc["stacks"];
  ASSERT_EQ(stacks.size(), 6u);
  std::uint64_t total = 0, prev = UINT64_MAX;
  for (const json& s : stacks) {
    const auto c = s["values"][0].get<std::uint64_t>();
    EXPECT_LE(c, prev);
    prev = c;
    total += c;
  }
  EXPECT_EQ(total, 16u + 3u);  // captured + lost
  // The 5-sample stack: kernel leaf first, main (outermost) last.
  const json& syscall = stacks[1];
  ASSERT_EQ(syscall["values"][0], 5);
  EXPECT_EQ(syscall["frames"].front()["function"], "do_syscall_64");
  EXPECT_EQ(syscall["frames"].front()["kind"], "kernel");
  EXPECT_EQ(syscall["frames"].front()["address"], "0xffffffff81001234");
  EXPECT_EQ(syscall["frames"].back()["function"], "main");
}

TEST(JsonWriter, SyntheticAndUnresolvedFrames) {
  const json doc = json::parse(render_json(sample_profile()));
  const json& lost = doc["stacks"][2];
  EXPECT_EQ(lost["values"], json({3, 30'000'000}));
  ASSERT_EQ(lost["frames"].size(), 1u);
  EXPECT_EQ(lost["frames"][0]["kind"], "synthetic");
  EXPECT_EQ(lost["frames"][0]["function"], "[lost: ringbuf_full]");
  EXPECT_EQ(lost["frames"][0]["address"], "0x0");

  bool saw_unresolved = false;
  for (const json& s : doc["stacks"])
    for (const json& f : s["frames"])
      if (f["function"] == "libfoo.so+0x1234") {
        saw_unresolved = true;
        EXPECT_EQ(f["resolved"], false);
        EXPECT_EQ(f["module"], "libfoo.so");
        EXPECT_EQ(f["offset"], "0x1234");
      }
  EXPECT_TRUE(saw_unresolved);
}

TEST(JsonWriter, InvalidUtf8IsReplacedAndOutputStaysValid) {
  const std::string out = render_json(sample_profile());
  const json doc = json::parse(out);  // throws on invalid JSON or UTF-8
  const std::string fffd = "\xef\xbf\xbd";
  bool saw_comm = false, saw_symbol = false;
  for (const json& s : doc["stacks"]) {
    if (s["labels"]["comm"] == fffd + fffd + "odd") saw_comm = true;
    for (const json& f : s["frames"])
      if (f["function"] == "bad" + fffd + "(sym") saw_symbol = true;
  }
  EXPECT_TRUE(saw_comm);
  EXPECT_TRUE(saw_symbol);
  // Valid characters that need escaping survive the round trip.
  EXPECT_NE(out.find(R"("weird;name\nx")"), std::string::npos);
}

TEST(JsonWriter, EmptyProfileIsValid) {
  const json doc = json::parse(render_json(Profile{}));
  EXPECT_TRUE(doc["stacks"].is_array());
  EXPECT_TRUE(doc["stacks"].empty());
  EXPECT_EQ(doc["metadata"]["period"], 0);
  EXPECT_EQ(doc["metadata"]["start"], "1970-01-01T00:00:00.000000000Z");
}

TEST(JsonWriter, IsDeterministic) {
  EXPECT_EQ(render_json(sample_profile()), render_json(sample_profile()));
}

// 4000 stacks of 40 frames with long names: a document of several MiB.
Profile large_profile() {
  Profile p = tiny_profile();
  p.samples.clear();
  p.locations.clear();
  for (std::uint32_t i = 0; i < 400; ++i)
    p.locations.push_back(Location{0x1000 + i, 0, "function_with_a_long_name_" + std::to_string(i),
                                   "x", i, FrameKind::kUser, true, {}});
  for (std::uint32_t n = 0; n < 4000; ++n) {
    std::vector<std::uint32_t> locs;
    for (std::uint32_t k = 0; k < 40; ++k) locs.push_back((n * 7 + k * 13) % 400);
    p.samples.push_back(sample(n + 1, n + 1, std::move(locs), 1 + n % 17));
  }
  return p;
}

TEST(JsonWriter, InPiecesJoinToTheSameDocument) {
  for (const Profile& p : {tiny_profile(), sample_profile(), large_profile()}) {
    std::string joined;
    std::vector<std::size_t> sizes;
    render_json_in_pieces(p, [&](std::string_view piece) {
      joined += piece;
      sizes.push_back(piece.size());
    });
    const std::string whole = render_json(p);
    EXPECT_EQ(joined, whole);
    ASSERT_FALSE(sizes.empty());
    // Each piece ends at the first stack that takes it past the size.
    for (std::size_t s : sizes) EXPECT_LT(s, kJsonPieceBytes + 64 * 1024);
    // Never held whole: as many pieces as the size says, less the last partial one.
    EXPECT_GE(sizes.size(), whole.size() / (kJsonPieceBytes + 64 * 1024));
  }
  EXPECT_GT(render_json(large_profile()).size(), 4 * kJsonPieceBytes) << "the large case is large";
}

TEST(JsonWriter, BrokenLocationIndexIsAnInvariantViolation) {
  Profile p = sample_profile();
  p.samples[0].locations.push_back(999);
  EXPECT_THROW(render_json(p), std::out_of_range);
}

}  // namespace
}  // namespace profbufd
