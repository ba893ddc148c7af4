#include "encode/gzip.h"

#include <gtest/gtest.h>

#include <random>

#include "gunzip.h"

namespace profbufd {
namespace {

using testing::gunzip;

TEST(Gzip, HasGzipMagicAndRoundTrips) {
  const std::string in = "hello, profile\n";
  Result<std::string> gz = gzip_compress(in);
  ASSERT_TRUE(gz.ok()) << gz.error().line();
  ASSERT_GE(gz->size(), 18u);  // 10-byte header + 8-byte trailer at least
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_EQ(gunzip(*gz), in);
}

TEST(Gzip, EmptyInputIsAValidEmptyMember) {
  Result<std::string> gz = gzip_compress("");
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(gunzip(*gz), "");
}

TEST(Gzip, IncompressibleInputLargerThanOneBufferRoundTrips) {
  std::mt19937_64 rng(42);
  std::string in(3 << 20, '\0');
  for (char& c : in) c = static_cast<char>(rng());
  Result<std::string> gz = gzip_compress(in);
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(gunzip(*gz), in);
}

TEST(Gzip, IsDeterministic) {
  EXPECT_EQ(*gzip_compress("same input"), *gzip_compress("same input"));
}

}  // namespace
}  // namespace profbufd
