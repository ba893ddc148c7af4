#include "python/code_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <vector>

namespace profbufd::python {
namespace {

// Memory of a pretend process: blocks at addresses; anything else is unmapped.
class FakeMemory final : public Memory {
 public:
  std::vector<std::uint8_t>& at(std::uint64_t addr, std::size_t n) {
    auto& b = blocks_[addr];
    b.resize(n);
    return b;
  }
  bool read(std::uint64_t addr, void* out, std::size_t n) override {
    for (auto& [base, b] : blocks_)
      if (addr >= base && addr + n <= base + b.size()) {
        std::memcpy(out, b.data() + (addr - base), n);
        return true;
      }
    return false;
  }

 private:
  std::map<std::uint64_t, std::vector<std::uint8_t>> blocks_;
};

template <typename T>
void put(std::vector<std::uint8_t>& b, std::size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

const Layout& l311() {
  static const Layout l = *layout_for(0x030b02f0);
  return l;
}

// A compact str at `addr`: kind 1 ASCII or not, 2 or 4 bytes per code point.
void str(FakeMemory& m, std::uint64_t addr, const std::vector<std::uint32_t>& cps, unsigned kind,
         bool ascii, std::int64_t length = -1) {
  const auto& l = l311().objects;
  auto& b = m.at(addr, 256);
  put<std::int64_t>(b, l.str_length, length < 0 ? static_cast<std::int64_t>(cps.size()) : length);
  put<std::uint32_t>(b, l.str_state, (kind << 2) | (1u << 5) | (ascii ? 1u << 6 : 0) | (1u << 7));
  const std::size_t data = ascii ? l.str_ascii_data : l.str_compact_data;
  for (std::size_t i = 0; i < cps.size(); ++i) std::memcpy(b.data() + data + i * kind, &cps[i], kind);
}

// A code object at 0x1000 named by strings at 0x2000 (qualname), 0x3000 (file)
// with a line table at 0x4000; its tag as the BPF walker computes it.
std::uint32_t code(FakeMemory& m, std::int32_t firstlineno = 7) {
  const Layout& l = l311();
  auto& c = m.at(0x1000, 256);
  put<std::int32_t>(c, l.objects.code_firstlineno, firstlineno);
  put<std::uint64_t>(c, l.objects.code_qualname, 0x2000);
  put<std::uint64_t>(c, l.objects.code_filename, 0x3000);
  put<std::uint64_t>(c, l.objects.code_linetable, 0x4000);
  auto& t = m.at(0x4000, 64);
  put<std::int64_t>(t, l.objects.bytes_size, 2);
  t[l.objects.bytes_data] = 0x80;
  std::int32_t f[8];
  std::memcpy(f, c.data() + l.walker.code_tag, sizeof f);
  return py_code_tag(f);
}

TEST(CodeReader, ReadsNamesFileFirstLineAndLineTable) {
  FakeMemory m;
  const std::uint32_t tag = code(m);
  str(m, 0x2000, {'W', '.', 's', 't', 'e', 'p'}, 1, true);
  str(m, 0x3000, {'/', 0xe9, '.', 'p', 'y'}, 1, false);  // Latin-1 é
  const CodeRead r = read_code(m, l311(), 0x1000, tag);
  ASSERT_EQ(r.error, CodeError::kNone);
  EXPECT_EQ(r.code.qualname, "W.step");
  EXPECT_EQ(r.code.filename, "/\xc3\xa9.py");
  EXPECT_EQ(r.code.firstlineno, 7);
  EXPECT_EQ(r.code.linetable, (std::vector<std::uint8_t>{0x80, 0}));
}

TEST(CodeReader, WideStringsBecomeValidUtf8AndSurrogatesAreReplaced) {
  FakeMemory m;
  str(m, 0x2000, {0x4e2d, 0xd800, 'x'}, 2, false);
  str(m, 0x3000, {0x1f600, 0x110000}, 4, false);
  std::string a, b;
  ASSERT_TRUE(read_str(m, l311().objects, 0x2000, a));
  ASSERT_TRUE(read_str(m, l311().objects, 0x3000, b));
  EXPECT_EQ(a, "\xe4\xb8\xad\xef\xbf\xbdx");
  EXPECT_EQ(b, "\xf0\x9f\x98\x80\xef\xbf\xbd");
}

TEST(CodeReader, AbsurdLengthsAreCutOrRefused) {
  FakeMemory m;
  // 2^40 code points claimed: cut to kMaxNameChars, which are not all mapped.
  str(m, 0x2000, {'a'}, 1, true, std::int64_t{1} << 40);
  std::string s;
  EXPECT_FALSE(read_str(m, l311().objects, 0x2000, s));
  auto& big = m.at(0x5000, 2000);
  put<std::int64_t>(big, l311().objects.str_length, 5000);
  put<std::uint32_t>(big, l311().objects.str_state, 0xe4);
  ASSERT_TRUE(read_str(m, l311().objects, 0x5000, s));
  EXPECT_EQ(s.size(), kMaxNameChars + 3);
  EXPECT_TRUE(s.ends_with("..."));
  // Not compact, or a kind no str has.
  str(m, 0x6000, {'a'}, 3, false);
  EXPECT_FALSE(read_str(m, l311().objects, 0x6000, s));
  // A line table of absurd size.
  const std::uint32_t tag = code(m);
  str(m, 0x2000, {'f'}, 1, true);
  str(m, 0x3000, {'f'}, 1, true);
  put<std::int64_t>(m.at(0x4000, 64), l311().objects.bytes_size, std::int64_t{1} << 50);
  EXPECT_EQ(read_code(m, l311(), 0x1000, tag).error, CodeError::kMalformed);
}

TEST(CodeReader, AnotherObjectAtTheAddressIsStaleAndUnmappedIsUnreadable) {
  FakeMemory m;
  const std::uint32_t tag = code(m, 7);
  str(m, 0x2000, {'f'}, 1, true);
  str(m, 0x3000, {'f'}, 1, true);
  EXPECT_EQ(read_code(m, l311(), 0x1000, tag + 1).error, CodeError::kStale);
  EXPECT_EQ(read_code(m, l311(), 0x9000, tag).error, CodeError::kUnreadable);
  put<std::uint64_t>(m.at(0x1000, 256), l311().objects.code_qualname, 0xdead0000);
  EXPECT_EQ(read_code(m, l311(), 0x1000, tag).error, CodeError::kMalformed);
}

TEST(Layout, ThreeElevenToThreeThirteenAreKnownAndVersionsAreNamed) {
  EXPECT_TRUE(layout_for(0x030b07f0));
  EXPECT_TRUE(layout_for(0x030c01f0));
  EXPECT_TRUE(layout_for(0x030d00f0));
  EXPECT_FALSE(layout_for(0x030912f0));
  EXPECT_FALSE(layout_for(0x030a0df0));
  EXPECT_FALSE(layout_for(0x030e00a1));
  EXPECT_FALSE(layout_for(0x020712f0));
  EXPECT_EQ(layout_for(0x030c01f0)->walker.frame_is_entry, PY_OFF_NONE);
  EXPECT_EQ(layout_for(0x030d00f0)->walker.cframe_current, PY_OFF_NONE);
  EXPECT_EQ(version_name(0x030b02f0), "3.11.2");
  EXPECT_EQ(version_name(0x030d00c1), "3.13.0rc1");
}

}  // namespace
}  // namespace profbufd::python
