#include "encode/render.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "gunzip.h"
#include "encode/folded.h"
#include "encode/json_writer.h"
#include "encode/pprof.h"
#include "test_profile.h"

namespace profbufd {
namespace {

using testing::sample_profile;

TEST(Render, DispatchesToEachWriter) {
  const Profile p = sample_profile();
  EXPECT_EQ(*render(p, OutputFormat::kFolded), render_folded(p));
  EXPECT_EQ(*render(p, OutputFormat::kJson), render_json(p));
  EXPECT_EQ(testing::gunzip(*render(p, OutputFormat::kPprof)), encode_pprof_proto(p));
}

TEST(Render, UnknownFormatIsAnError) {
  Result<std::string> r = render(sample_profile(), static_cast<OutputFormat>(99));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().line().find("unknown output format 99"), std::string::npos);
}

TEST(Render, ContentTypes) {
  EXPECT_EQ(content_type(OutputFormat::kJson), "application/json");
  EXPECT_EQ(content_type(OutputFormat::kFolded), "text/plain");
  EXPECT_EQ(content_type(OutputFormat::kPprof), "application/octet-stream");
}

// Minimal protobuf reading, only what the totals need: the count (first
// value) of every Sample (field 2) of the Profile.
std::uint64_t varint(std::string_view& s) {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(s.at(0));
    s.remove_prefix(1);
    v |= std::uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return v;
  }
}

// Calls f(field, wire value or payload) for each field of a message.
template <typename F>
void for_each_field(std::string_view s, F f) {
  while (!s.empty()) {
    const std::uint64_t key = varint(s);
    if ((key & 7) == 0) {
      f(key >> 3, varint(s), std::string_view{});
    } else {
      const std::uint64_t n = varint(s);
      f(key >> 3, 0, s.substr(0, n));
      s.remove_prefix(n);
    }
  }
}

std::uint64_t pprof_total(const std::string& proto) {
  std::uint64_t total = 0;
  for_each_field(proto, [&](std::uint64_t field, std::uint64_t, std::string_view msg) {
    if (field != 2) return;
    for_each_field(msg, [&](std::uint64_t f, std::uint64_t, std::string_view values) {
      if (f == 2) total += varint(values);  // packed [count, cpu_ns]: take count
    });
  });
  return total;
}

std::uint64_t folded_total(const std::string& folded) {
  std::istringstream in(folded);
  std::string line;
  std::uint64_t total = 0;
  while (std::getline(in, line)) total += std::stoull(line.substr(line.rfind(' ') + 1));
  return total;
}

std::uint64_t json_total(const std::string& text) {
  std::uint64_t total = 0;
  const nlohmann::json doc = nlohmann::json::parse(text);
  for (const auto& s : doc["stacks"])
    total += s["values"][0].get<std::uint64_t>();
  return total;
}

TEST(Render, AllFormatsAgreeOnTotals) {
  const Profile p = sample_profile();
  const std::uint64_t expected = 16 + 3;  // captured + lost
  EXPECT_EQ(pprof_total(testing::gunzip(*render(p, OutputFormat::kPprof))), expected);
  EXPECT_EQ(folded_total(*render(p, OutputFormat::kFolded)), expected);
  EXPECT_EQ(json_total(*render(p, OutputFormat::kJson)), expected);
  const auto md = nlohmann::json::parse(*render(p, OutputFormat::kJson))["metadata"];
  EXPECT_EQ(md["totals"][0].get<std::uint64_t>(), expected);
  EXPECT_EQ(md["totals"][1].get<std::uint64_t>(), expected * 10'000'000);
}

}  // namespace
}  // namespace profbufd
