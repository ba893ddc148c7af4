#include "symbolize/elf_symbols.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace profbufd::symbolize {
namespace {

using testing::build_fixture_library;
using testing::fixture_dir;
using testing::kFixtureLibBase;
using testing::kFixtureLibBuildId;
using testing::nm_address;
using testing::readelf_build_id;
using testing::TempDir;
using testing::test_program;

class SymbolizeElfSymbolsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    lib_ = build_fixture_library(*dir_, "libsymtest.so", false);
    stripped_ = build_fixture_library(*dir_, "libsymtest_stripped.so", true);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static ElfSymbols load(const std::string& path) {
    auto s = ElfSymbols::load(path);
    if (!s) throw std::runtime_error(s.error().line());
    return std::move(s).value();
  }
  static TempDir* dir_;
  static std::string lib_, stripped_;
};
TempDir* SymbolizeElfSymbolsTest::dir_ = nullptr;
std::string SymbolizeElfSymbolsTest::lib_;
std::string SymbolizeElfSymbolsTest::stripped_;

TEST_F(SymbolizeElfSymbolsTest, FindsFunctionsOfTheTestProgram) {
  const std::string prog = test_program("symtest_funcs");
  const ElfSymbols syms = load(prog);
  EXPECT_GT(syms.size(), 3u);
  for (const char* name : {"symtest_alpha", "symtest_beta", "symtest_local", "main"}) {
    const auto addr = nm_address(prog, name);
    ASSERT_TRUE(addr) << name << " not found by nm in " << prog;
    auto s = syms.find(*addr);
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(s->name, name);
    EXPECT_EQ(s->start, *addr);
    EXPECT_EQ(s->offset, 0u);
    EXPECT_GT(s->size, 0u);
    s = syms.find(*addr + 3);  // inside the function
    ASSERT_TRUE(s) << name;
    EXPECT_EQ(s->name, name);
    EXPECT_EQ(s->offset, 3u);
  }
}

TEST_F(SymbolizeElfSymbolsTest, ReadsTheBuildIdReadelfShows) {
  const std::string prog = test_program("symtest_funcs");
  const std::string expected = readelf_build_id(prog);
  ASSERT_FALSE(expected.empty()) << "readelf shows no build ID for " << prog;
  EXPECT_EQ(load(prog).build_id(), expected);
  EXPECT_EQ(load(lib_).build_id(), kFixtureLibBuildId);
  EXPECT_EQ(load(stripped_).build_id(), kFixtureLibBuildId);
}

TEST_F(SymbolizeElfSymbolsTest, DemanglingIsLeftToTheCaller) {
  const ElfSymbols syms = load(lib_);
  const auto addr = nm_address(lib_, "_ZN7symtest6widgetEi");
  ASSERT_TRUE(addr);
  auto s = syms.find(*addr + 1);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "_ZN7symtest6widgetEi");
}

TEST_F(SymbolizeElfSymbolsTest, IncludesIfuncAndUnsizedSymbols) {
  const ElfSymbols syms = load(lib_);
  const auto ifunc = nm_address(lib_, "symtest_ifunc");
  ASSERT_TRUE(ifunc);
  auto s = syms.find(*ifunc);
  ASSERT_TRUE(s);
  // The IFUNC symbol and its resolver share an address; either name is right.
  EXPECT_TRUE(s->name == "symtest_ifunc" || s->name == "symtest_ifunc_resolver") << s->name;

  const auto nosize = nm_address(lib_, "symtest_nosize");
  ASSERT_TRUE(nosize);
  s = syms.find(*nosize + 2);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "symtest_nosize");
  EXPECT_EQ(s->size, 0u);
  EXPECT_EQ(s->offset, 2u);
}

TEST_F(SymbolizeElfSymbolsTest, StrippedLibraryFallsBackToDynsym) {
  const ElfSymbols full = load(lib_);
  const ElfSymbols dyn = load(stripped_);
  EXPECT_LT(dyn.size(), full.size());
  // Exported: in .dynsym, found in both.
  const auto widget = nm_address(lib_, "_ZN7symtest6widgetEi");
  ASSERT_TRUE(widget);
  auto s = dyn.find(*widget);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "_ZN7symtest6widgetEi");
  // Static: only in .symtab, so the stripped copy cannot name it.
  const auto hidden = nm_address(lib_, "_ZL6hiddeni");
  ASSERT_TRUE(hidden);
  ASSERT_TRUE(full.find(*hidden));
  EXPECT_EQ(full.find(*hidden)->name, "_ZL6hiddeni");
  const auto in_stripped = dyn.find(*hidden);
  EXPECT_TRUE(!in_stripped || in_stripped->name != "_ZL6hiddeni");
}

TEST_F(SymbolizeElfSymbolsTest, OutsideAnySymbolMisses) {
  const ElfSymbols syms = load(lib_);
  EXPECT_FALSE(syms.find(0));
  EXPECT_FALSE(syms.find(kFixtureLibBase));             // ELF header, no function
  EXPECT_FALSE(syms.find(kFixtureLibBase + 0x100000));  // past everything sized
}

TEST_F(SymbolizeElfSymbolsTest, TranslatesFileOffsetsThroughLoadSegments) {
  const ElfSymbols syms = load(lib_);
  ASSERT_FALSE(syms.segments().empty());
  bool saw_exec = false;
  for (const LoadSegment& seg : syms.segments()) {
    if (seg.exec) {
      // The fixture is linked at 0x200000: its code has vaddr = offset + 0x200000.
      EXPECT_EQ(seg.vaddr - seg.offset, kFixtureLibBase);
      saw_exec = true;
      const auto v = syms.file_offset_to_vaddr(seg.offset + 0x10);
      ASSERT_TRUE(v);
      EXPECT_EQ(*v, seg.vaddr + 0x10);
    }
  }
  EXPECT_TRUE(saw_exec);
  // The widget symbol round-trips: its vaddr minus the base is its file offset.
  const auto widget = nm_address(lib_, "_ZN7symtest6widgetEi");
  ASSERT_TRUE(widget);
  const auto v = syms.file_offset_to_vaddr(*widget - kFixtureLibBase);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, *widget);
  EXPECT_FALSE(syms.file_offset_to_vaddr(1ull << 40));
}

TEST_F(SymbolizeElfSymbolsTest, NonElfAndMissingFilesAreErrors) {
  auto text = ElfSymbols::load(fixture_dir() + "/procfs/kallsyms");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ExitCode::kRuntime);
  auto missing = ElfSymbols::load(fixture_dir() + "/no-such-binary");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().line().find("no-such-binary"), std::string::npos);
}

TEST_F(SymbolizeElfSymbolsTest, NamesAreStoredCompactly) {
  const ElfSymbols syms = load(lib_);
  EXPECT_GT(syms.memory_bytes(), syms.size() * 16);
  EXPECT_LT(syms.memory_bytes(), syms.size() * 16 + 4096 + sizeof(ElfSymbols));
}

}  // namespace
}  // namespace profbufd::symbolize
