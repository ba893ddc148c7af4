#include "symbolize/debug_file.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "symbolize/symbolizer.h"
#include "test_util.h"

namespace profbufd::symbolize {
namespace {

using testing::build_fixture_library;
using testing::kFixtureLibBuildId;
using testing::run;
using testing::TempDir;
using testing::write_text;

std::string link_section(std::string_view name, std::uint32_t crc) {
  std::string s(name);
  s += '\0';
  while (s.size() % 4 != 0) s += '\0';
  for (int i = 0; i < 4; ++i) s += static_cast<char>((crc >> (8 * i)) & 0xff);
  return s;
}

TEST(SymbolizeDebugLinkTest, ParsesNamePaddingAndLittleEndianCrc) {
  const auto link = parse_debug_link(link_section("libfoo.so.debug", 0xcbf43926));
  ASSERT_TRUE(link);
  EXPECT_EQ(link->file, "libfoo.so.debug");
  EXPECT_EQ(link->crc, 0xcbf43926u);
  // A name of 3 bytes fills its word with the NUL: no padding.
  EXPECT_EQ(parse_debug_link(link_section("abc", 7)), (DebugLink{"abc", 7}));
}

TEST(SymbolizeDebugLinkTest, MalformedSectionsAreRejected) {
  EXPECT_FALSE(parse_debug_link(""));
  EXPECT_FALSE(parse_debug_link(std::string("libfoo.debug")));           // no NUL
  EXPECT_FALSE(parse_debug_link(std::string("\0\0\0\0\1\2\3\4", 8)));    // empty name
  EXPECT_FALSE(parse_debug_link(link_section("x.debug", 1).substr(0, 9)));  // CRC cut short
  EXPECT_FALSE(parse_debug_link(link_section("../../etc/shadow", 1)));
  EXPECT_FALSE(parse_debug_link(link_section("..", 1)));
}

TEST(SymbolizeDebugFileTest, CandidatesByBuildIdThenDebuglinkUnderEachRoot) {
  const std::vector<DebugCandidate> c = debug_file_candidates(
      {"/proc/7/root", ""}, "/usr/lib/debug", "ab12cd", "/usr/lib/x86_64/libfoo.so.1",
      DebugLink{"libfoo.so.1.debug", 5});
  std::vector<std::string> paths;
  for (const DebugCandidate& d : c) paths.push_back(d.path + (d.check_crc ? " crc" : ""));
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "/proc/7/root/usr/lib/debug/.build-id/ab/12cd.debug",
                       "/usr/lib/debug/.build-id/ab/12cd.debug",
                       "/proc/7/root/usr/lib/x86_64/libfoo.so.1.debug crc",
                       "/proc/7/root/usr/lib/x86_64/.debug/libfoo.so.1.debug crc",
                       "/proc/7/root/usr/lib/debug/usr/lib/x86_64/libfoo.so.1.debug crc",
                       "/usr/lib/x86_64/libfoo.so.1.debug crc",
                       "/usr/lib/x86_64/.debug/libfoo.so.1.debug crc",
                       "/usr/lib/debug/usr/lib/x86_64/libfoo.so.1.debug crc",
                   }));
}

TEST(SymbolizeDebugFileTest, NoKeyNoCandidates) {
  EXPECT_TRUE(debug_file_candidates({""}, "/d", "", "/bin/x", std::nullopt).empty());
  // Not hex (a hostile note), or too short to split: no build-ID path.
  EXPECT_TRUE(debug_file_candidates({""}, "/d", "../x", "/bin/x", std::nullopt).empty());
  EXPECT_TRUE(debug_file_candidates({""}, "/d", "ab", "/bin/x", std::nullopt).empty());
  // A mapping path that is not absolute has no directory to look in.
  EXPECT_TRUE(debug_file_candidates({""}, "/d", "", "x", DebugLink{"x.debug", 1}).empty());
}

TEST(SymbolizeDebugFileTest, Crc32IsZlibsOverTheWholeFile) {
  TempDir dir;
  write_text(dir.file("f"), "123456789");  // the CRC-32 check value
  const Fd fd(::open(dir.file("f").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(file_crc32(fd.get()), 0xcbf43926u);
  const std::string big(300000, 'x');  // spans several reads
  write_text(dir.file("big"), big);
  const Fd bfd(::open(dir.file("big").c_str(), O_RDONLY | O_CLOEXEC));
  // gzip's trailer holds the CRC-32 of its input: an independent oracle.
  const auto trailer = run("gzip -c '" + dir.file("big") + "' | tail -c 8 | od -An -tx4 -N4");
  ASSERT_TRUE(trailer);
  EXPECT_EQ(file_crc32(bfd.get()), std::stoul(*trailer, nullptr, 16));
}

TEST(SymbolizeDebugFileTest, OpensTheFirstFileThatPassesItsCheck) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("sub"));
  write_text(dir.file("wrong"), "another build");
  write_text(dir.file("right"), "123456789");
  std::string chosen;
  const std::vector<DebugCandidate> c = {{dir.file("missing"), false},
                                         {dir.file("sub"), false},  // a directory
                                         {dir.file("wrong"), true},
                                         {dir.file("right"), true}};
  EXPECT_TRUE(open_debug_file(c, 0xcbf43926, &chosen));
  EXPECT_EQ(chosen, dir.file("right"));
  // Unchecked (by build ID), the first existing file is taken.
  EXPECT_TRUE(open_debug_file({{dir.file("wrong"), false}, {dir.file("right"), true}}, 1, &chosen));
  EXPECT_EQ(chosen, dir.file("wrong"));
  EXPECT_FALSE(open_debug_file({{dir.file("wrong"), true}}, 0xcbf43926));
}

// ---- through the Symbolizer, on stripped copies of the fixture library ------

// Copies of one library: with .symtab, stripped (.dynsym only), stripped
// with a .gnu_debuglink to a debug file made by objcopy, as Debian builds
// them, and stripped with MiniDebugInfo (.gnu_debugdata: an xz-compressed ELF
// file holding .symtab), as Fedora builds them, once valid and once corrupt.
class SymbolizeDebugFileSymbolizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const std::string full = build_fixture_library(*dir_, "libdbgtest.so", false);
    std::filesystem::create_directories(dir_->file("lib/.debug"));
    const std::string debug = dir_->file("lib/.debug/libdbgtest_linked.so.debug");
    stripped_ = dir_->file("lib/libdbgtest_stripped.so");
    linked_ = dir_->file("lib/libdbgtest_linked.so");
    const std::string id = kFixtureLibBuildId;
    by_id_ = dir_->file("debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug");
    std::filesystem::create_directories(std::filesystem::path(by_id_).parent_path());
    const bool made =
        run("objcopy --only-keep-debug '" + full + "' '" + debug + "'") &&
        run("cp '" + debug + "' '" + by_id_ + "'") &&
        run("objcopy --strip-all '" + full + "' '" + stripped_ + "'") &&
        run("cd '" + dir_->file("lib/.debug") + "' && objcopy --strip-all --add-gnu-debuglink=" +
            "libdbgtest_linked.so.debug '" + full + "' '" + linked_ + "'");
    if (!made) throw std::runtime_error("objcopy failed");
    mini_ = dir_->file("lib/libdbgtest_mini.so");
    corrupt_mini_ = dir_->file("lib/libdbgtest_badmini.so");
    const std::string mini = dir_->file("mini_debuginfo");
    const bool made_mini =
        run("objcopy --strip-debug --remove-section .comment '" + debug + "' '" + mini + "'") &&
        run("xz -k '" + mini + "'") &&
        run("objcopy --add-section .gnu_debugdata='" + mini + ".xz' '" + stripped_ + "' '" +
            mini_ + "'") &&
        run("head -c 200 '" + mini + ".xz' > '" + mini + ".cut'") &&
        run("objcopy --add-section .gnu_debugdata='" + mini + ".cut' '" + stripped_ + "' '" +
            corrupt_mini_ + "'");
    if (!made_mini) throw std::runtime_error("making MiniDebugInfo failed");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // The address of hidden(), a static function only .symtab names, in `lib`.
  static std::uint64_t hidden_in(const std::string& lib) {
    void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    using AddrFn = void* (*)();
    return reinterpret_cast<std::uintptr_t>(
        reinterpret_cast<AddrFn>(::dlsym(h, "symtest_hidden_addr"))());
  }
  static SymbolizedFrame symbolize(const std::string& debug_dir, const std::string& lib) {
    return symbolize_at(debug_dir, hidden_in(lib));
  }
  static SymbolizedFrame symbolize_at(const std::string& debug_dir, std::uint64_t addr) {
    auto maps = ProcessMaps::read(static_cast<int>(::getpid()));
    if (!maps) throw std::runtime_error(maps.error().line());
    Symbolizer::Options o;
    o.procfs_root = "";
    o.debug_dir = debug_dir;
    Symbolizer s(o);
    return s.user(static_cast<std::uint32_t>(::getpid()), *maps, addr);
  }

  static TempDir* dir_;
  static std::string stripped_, linked_, by_id_, mini_, corrupt_mini_;
};
TempDir* SymbolizeDebugFileSymbolizerTest::dir_ = nullptr;
std::string SymbolizeDebugFileSymbolizerTest::stripped_;
std::string SymbolizeDebugFileSymbolizerTest::linked_;
std::string SymbolizeDebugFileSymbolizerTest::by_id_;
std::string SymbolizeDebugFileSymbolizerTest::mini_;
std::string SymbolizeDebugFileSymbolizerTest::corrupt_mini_;

TEST_F(SymbolizeDebugFileSymbolizerTest, MiniDebugInfoNamesWhatOnlySymtabHad) {
  const SymbolizedFrame f = symbolize("", mini_);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "hidden(int)");
  EXPECT_EQ(f.source, NameSource::kDebugFile);
}

TEST_F(SymbolizeDebugFileSymbolizerTest, CorruptMiniDebugInfoLeavesTheFrameUnnamed) {
  const SymbolizedFrame f = symbolize("", corrupt_mini_);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.unnamed, UnnamedReason::kNoSymbol);  // the binary's own symbols still read
}

TEST_F(SymbolizeDebugFileSymbolizerTest, ByBuildIdNamesWhatOnlySymtabHad) {
  const SymbolizedFrame f = symbolize(dir_->file("debug"), stripped_);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "hidden(int)");
  EXPECT_EQ(f.module, "libdbgtest_stripped.so");
  EXPECT_EQ(f.source, NameSource::kDebugFile);
  EXPECT_EQ(f.build_id, kFixtureLibBuildId);
}

TEST_F(SymbolizeDebugFileSymbolizerTest, ByDebuglinkInTheDotDebugDirectory) {
  // No build-ID tree: only the link leads to the file, and its CRC matches.
  const SymbolizedFrame f = symbolize(dir_->file("nowhere"), linked_);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "hidden(int)");
  EXPECT_EQ(f.source, NameSource::kDebugFile);
}

TEST_F(SymbolizeDebugFileSymbolizerTest, WithoutADebugFileTheFrameStaysUnnamed) {
  const SymbolizedFrame f = symbolize("", stripped_);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.unnamed, UnnamedReason::kNoSymbol);
}

TEST_F(SymbolizeDebugFileSymbolizerTest, ExportedNamesStayTheBinarysOwn) {
  void* h = ::dlopen(stripped_.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr);
  const auto addr = reinterpret_cast<std::uintptr_t>(::dlsym(h, "symtest_hidden_addr"));
  const SymbolizedFrame f = symbolize_at(dir_->file("debug"), addr);
  EXPECT_EQ(f.function, "symtest_hidden_addr");
  EXPECT_EQ(f.source, NameSource::kElf);  // .dynsym had it: the debug file only ties
}

TEST_F(SymbolizeDebugFileSymbolizerTest, AWrongCrcIsNotUsed) {
  // A same-named file beside the binary (the first debuglink candidate) that
  // is not the linked one: taken, it would name nothing. It is skipped for
  // the right one in .debug/.
  const std::string decoy = std::filesystem::path(linked_).parent_path() /
                            "libdbgtest_linked.so.debug";
  write_text(decoy, "a debug file of another build");
  const SymbolizedFrame f = symbolize(dir_->file("nowhere"), linked_);
  std::filesystem::remove(decoy);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.source, NameSource::kDebugFile);
}

}  // namespace
}  // namespace profbufd::symbolize
