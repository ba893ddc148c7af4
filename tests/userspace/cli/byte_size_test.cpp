#include "cli/byte_size.h"

#include <gtest/gtest.h>

namespace profbufd::cli {
namespace {

TEST(ParseByteSize, PlainAndSuffixed) {
  EXPECT_EQ(*parse_byte_size("0"), 0u);
  EXPECT_EQ(*parse_byte_size("4096"), 4096u);
  EXPECT_EQ(*parse_byte_size("64K"), 64u * 1024);
  EXPECT_EQ(*parse_byte_size("64k"), 64u * 1024);
  EXPECT_EQ(*parse_byte_size("8M"), 8u * 1024 * 1024);
  EXPECT_EQ(*parse_byte_size("8m"), 8u * 1024 * 1024);
  EXPECT_EQ(*parse_byte_size("2G"), 2ULL << 30);
  EXPECT_EQ(*parse_byte_size("1g"), 1ULL << 30);
  EXPECT_EQ(*parse_byte_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(*parse_byte_size("17179869183G"), 17179869183ULL << 30);
}

TEST(ParseByteSize, Rejects) {
  for (const char* bad : {"", "K", "-1", "+1", "1.5M", "8MB", "8MiB", "8 M", " 8", "0x1000", "1T"}) {
    auto r = parse_byte_size(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ExitCode::kUsage);
    EXPECT_EQ(r.error().why, "not a number of bytes") << bad;
  }
  for (const char* big : {"18446744073709551616", "17179869184G", "99999999999999999999"}) {
    auto r = parse_byte_size(big);
    ASSERT_FALSE(r.ok()) << big;
    EXPECT_EQ(r.error().why, "too large") << big;
  }
  EXPECT_EQ(parse_byte_size("8MB").error().line(),
            "profbufd: size \"8MB\": not a number of bytes "
            "(write a whole number of bytes, optionally with K, M or G, e.g. 8M)");
}

TEST(FormatByteSize, ShortestExactSpelling) {
  EXPECT_EQ(format_byte_size(0), "0");
  EXPECT_EQ(format_byte_size(1000), "1000");
  EXPECT_EQ(format_byte_size(4096), "4K");
  EXPECT_EQ(format_byte_size(1536 * 1024), "1536K");
  EXPECT_EQ(format_byte_size(8ULL << 20), "8M");
  EXPECT_EQ(format_byte_size(3ULL << 30), "3G");
  for (std::uint64_t v : {1ULL, 4096ULL, 12345ULL, 1ULL << 20, 5ULL << 30}) {
    EXPECT_EQ(*parse_byte_size(format_byte_size(v)), v);
  }
}

}  // namespace
}  // namespace profbufd::cli
