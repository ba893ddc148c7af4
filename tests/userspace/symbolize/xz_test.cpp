#include "symbolize/xz.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace profbufd::symbolize {
namespace {

using testing::read_text;
using testing::run;
using testing::TempDir;
using testing::write_text;

// The xz command compresses: an independent encoder.
std::string xz(const TempDir& dir, const std::string& text, const std::string& flags = "") {
  write_text(dir.file("in"), text);
  if (!run("xz -c " + flags + " '" + dir.file("in") + "' > '" + dir.file("in.xz") + "'"))
    throw std::runtime_error("xz failed");
  return read_text(dir.file("in.xz"));
}

TEST(SymbolizeXzTest, DecompressesWhatTheXzCommandWrote) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "symbol_" + std::to_string(i) + "\n";
  EXPECT_EQ(xz_decompress(xz(dir, text)), text);
  EXPECT_EQ(xz_decompress(xz(dir, "")), std::string());
}

TEST(SymbolizeXzTest, AnythingButAWholeValidStreamIsRefused) {
  TempDir dir;
  const std::string packed = xz(dir, std::string(100000, 'a') + "end");
  EXPECT_FALSE(xz_decompress(""));
  EXPECT_FALSE(xz_decompress("not xz at all"));
  EXPECT_FALSE(xz_decompress(packed.substr(0, packed.size() / 2)));  // cut short
  std::string flipped = packed;
  flipped[flipped.size() / 2] ^= 0x55;  // the block's check fails
  EXPECT_FALSE(xz_decompress(flipped));
}

TEST(SymbolizeXzTest, OutputIsBounded) {
  TempDir dir;
  // 8 MiB of zeros packs into about a kilobyte: a bomb, if unbounded.
  const std::string bomb = xz(dir, std::string(8u << 20, '\0'));
  EXPECT_LT(bomb.size(), 8192u);
  EXPECT_FALSE(xz_decompress(bomb, 1u << 20));
  EXPECT_EQ(xz_decompress(bomb, 8u << 20)->size(), 8u << 20);  // exactly at the cap: whole
}

}  // namespace
}  // namespace profbufd::symbolize
