#include "encode/protobuf.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace profbufd::proto {
namespace {

std::string bytes(std::initializer_list<int> bs) {
  std::string s;
  for (int b : bs) s.push_back(static_cast<char>(b));
  return s;
}

TEST(ProtoVarint, EncodesSevenBitGroupsLeastSignificantFirst) {
  auto enc = [](std::uint64_t v) {
    std::string s;
    append_varint(s, v);
    return s;
  };
  EXPECT_EQ(enc(0), bytes({0x00}));
  EXPECT_EQ(enc(1), bytes({0x01}));
  EXPECT_EQ(enc(127), bytes({0x7f}));
  EXPECT_EQ(enc(128), bytes({0x80, 0x01}));
  EXPECT_EQ(enc(150), bytes({0x96, 0x01}));  // the protobuf docs' example
  EXPECT_EQ(enc(16384), bytes({0x80, 0x80, 0x01}));
  EXPECT_EQ(enc(UINT64_MAX),
            bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(ProtoEncoder, ScalarFieldsCarryKeyWithWireType) {
  Encoder e;
  e.uint64(1, 150);
  e.int64(2, -1);  // two's complement, 10 bytes
  e.bool_opt(15, true);
  e.uint64(16, 1);  // field 16 needs a two-byte key
  EXPECT_EQ(e.data(), bytes({0x08, 0x96, 0x01,                               //
                             0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //
                             0xff, 0xff, 0x01,                                //
                             0x78, 0x01,                                      //
                             0x80, 0x01, 0x01}));
}

TEST(ProtoEncoder, OptionalFieldsSkipDefaults) {
  Encoder e;
  e.uint64_opt(1, 0);
  e.int64_opt(2, 0);
  e.bool_opt(3, false);
  e.packed_uint64s(4, {});
  EXPECT_EQ(e.data(), "");
  e.int64_opt(2, 3);
  EXPECT_EQ(e.data(), bytes({0x10, 0x03}));
}

TEST(ProtoEncoder, BytesAreLengthDelimitedEvenWhenEmpty) {
  Encoder e;
  e.bytes(2, "testing");
  e.bytes(6, "");
  EXPECT_EQ(e.data(), bytes({0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',  //
                             0x32, 0x00}));
}

TEST(ProtoEncoder, PackedRepeatedIntegers) {
  Encoder e;
  const std::vector<std::uint64_t> u = {3, 270, 86942};
  e.packed_uint64s(4, u);  // the protobuf docs' packed example
  EXPECT_EQ(e.data(), bytes({0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05}));

  Encoder n;
  const std::vector<std::int64_t> s = {-1, 1};
  n.packed_int64s(2, s);
  EXPECT_EQ(n.data(), bytes({0x12, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 0xff, 0x01, 0x01}));
}

TEST(ProtoEncoder, NestedMessagesGetTheirLengthPrepended) {
  Encoder e;
  e.uint64(1, 7);
  const auto outer = e.start_message();
  e.uint64(1, 150);
  const auto inner = e.start_message();
  e.bytes(2, "ab");
  e.end_message(3, inner);
  e.end_message(2, outer);
  EXPECT_EQ(e.data(), bytes({0x08, 0x07,                 // field 1 = 7
                             0x12, 0x09,                 // field 2, 9 bytes:
                             0x08, 0x96, 0x01,           //   field 1 = 150
                             0x1a, 0x04,                 //   field 3, 4 bytes:
                             0x12, 0x02, 'a', 'b'}));    //     field 2 = "ab"
}

TEST(ProtoEncoder, LongMessageLengthIsAMultiByteVarint) {
  Encoder e;
  const auto m = e.start_message();
  e.bytes(1, std::string(200, 'x'));  // 1 + 2 + 200 = 203 bytes of payload
  e.end_message(5, m);
  ASSERT_EQ(e.data().size(), 1u + 2u + 203u);
  EXPECT_EQ(e.data().substr(0, 3), bytes({0x2a, 0xcb, 0x01}));
}

TEST(ProtoEncoder, EndWithoutStartIsABrokenInvariant) {
  Encoder e;
  EXPECT_THROW(e.end_message(1, 0), std::logic_error);
}

}  // namespace
}  // namespace profbufd::proto
