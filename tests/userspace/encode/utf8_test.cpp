#include "encode/utf8.h"

#include <gtest/gtest.h>

namespace profbufd {
namespace {

const std::string kFffd = "\xef\xbf\xbd";

TEST(Utf8, ValidTextIsUnchanged) {
  for (const char* s : {"", "ascii", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\xa5",
                        "\xed\x9f\xbf" /* U+D7FF */, "\xf4\x8f\xbf\xbf" /* U+10FFFF */}) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_EQ(to_valid_utf8(s), s);
  }
}

TEST(Utf8, EachInvalidByteBecomesOneReplacementCharacter) {
  EXPECT_EQ(to_valid_utf8("\xff\xfeodd"), kFffd + kFffd + "odd");
  // A truncated sequence: the lead is replaced, the next ASCII byte kept.
  EXPECT_EQ(to_valid_utf8("bad\xc3(sym"), "bad" + kFffd + "(sym");
  EXPECT_EQ(to_valid_utf8("end\xe2\x82"), "end" + kFffd + kFffd);
  EXPECT_EQ(to_valid_utf8("\x80"), kFffd);  // lone continuation byte
}

TEST(Utf8, RejectsOverlongsSurrogatesAndOutOfRange) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // U+D800 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_EQ(to_valid_utf8("a\xed\xa0\x80z"), "a" + kFffd + kFffd + kFffd + "z");
}

TEST(Utf8, EmbeddedNulIsValid) {
  const std::string s("a\0b", 3);
  EXPECT_TRUE(is_valid_utf8(s));
  EXPECT_EQ(to_valid_utf8(s), s);
}

}  // namespace
}  // namespace profbufd
