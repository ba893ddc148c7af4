#include "python/line_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace profbufd::python {
namespace {

std::vector<std::uint8_t> unhex(const std::string& h) {
  std::vector<std::uint8_t> v;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return v;
}

// The table of a function compiled by Debian's python3.11, and the line of each
// of its 43 code units as its code object's co_lines() gives them.
TEST(LineTable, AgreesWithCPythonOnARealTable) {
  const auto t = unhex(
      "8000d80809884189058041d80708883182758075f002011023f000011023dd191e987199189c18f00301"
      "1023f100011023f400011023f000010923e0090ad8090af00301090c8041e00b0c8048");
  const std::vector<int> want = {1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5,
                                 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6, 7, 6, 6, 8, 8};
  for (std::uint32_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(line_of(t, 1, i), want[i]) << "code unit " << i;
  EXPECT_EQ(line_of(t, 1, 43), std::nullopt) << "past the end";
}

TEST(LineTable, EachEntryFormMovesTheLine) {
  // short form (code 0: same line, 1 unit), one-line form (code 12: +2, 2 units),
  // no-column form (code 13: svarint -1), long form (code 14: +3), no location.
  const std::vector<std::uint8_t> t = {
      0x80, 0x00,                    // units 0: line 10
      0xe1, 0x05, 0x06,              // units 1-2: line 12
      0xe8, 0x03,                    // unit 3: line 11 (svarint 3 = -1)
      0xf0, 0x06, 0x00, 0x01, 0x01,  // unit 4: line 14
      0xf8,                          // unit 5: no location
  };
  EXPECT_EQ(line_of(t, 10, 0), 10);
  EXPECT_EQ(line_of(t, 10, 2), 12);
  EXPECT_EQ(line_of(t, 10, 3), 11);
  EXPECT_EQ(line_of(t, 10, 4), 14);
  EXPECT_EQ(line_of(t, 10, 5), std::nullopt);
}

TEST(LineTable, MalformedTablesGiveNoLineAndReadNoFurther) {
  EXPECT_EQ(line_of({}, 1, 0), std::nullopt);
  const std::vector<std::uint8_t> no_start = {0x00, 0x00};
  EXPECT_EQ(line_of(no_start, 1, 0), std::nullopt);
  const std::vector<std::uint8_t> cut = {0xf0, 0x46};  // long form, a varint running out
  EXPECT_EQ(line_of(cut, 1, 0), std::nullopt);
  std::vector<std::uint8_t> huge = {0xe8};  // a varint of more than 32 bits
  for (int i = 0; i < 8; ++i) huge.push_back(0x7f);
  EXPECT_EQ(line_of(huge, 1, 0), std::nullopt);
  const std::vector<std::uint8_t> negative = {0xe8, 0x07};  // line 1 - 3
  EXPECT_EQ(line_of(negative, 1, 0), std::nullopt);
}

}  // namespace
}  // namespace profbufd::python
