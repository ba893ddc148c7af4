// DWARF lines and inlined calls (symbolize/dwarf_lines.h), on inline_chain, a
// test program whose spin() has middle() and inner() inlined into it, with
// addr2line (binutils) as the independent oracle of the lines. Then through
// the Symbolizer, for a live process.
#include "symbolize/dwarf_lines.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/fd.h"
#include "process/proc_maps.h"
#include "symbolize/elf_symbols.h"
#include "symbolize/symbolizer.h"
#include "test_util.h"

namespace profbufd::symbolize {
namespace {

using testing::run;
using testing::test_program;

std::unique_ptr<DwarfLines> open_lines(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  bool over = false;
  auto r = DwarfLines::open(fd.get(), path, SIZE_MAX, over);
  EXPECT_FALSE(over);
  return r ? std::move(r).value() : nullptr;
}

// The line of inline_chain.c holding `marker`, counted from 1.
std::int64_t marker_line(const std::string& source, const std::string& marker) {
  std::istringstream in(testing::read_text(source));
  std::int64_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.find(marker) != std::string::npos) return n;
  }
  return 0;
}

// The ELF address range of spin(), from the symbol table.
std::pair<std::uint64_t, std::uint64_t> spin_range(const std::string& prog) {
  auto syms = ElfSymbols::load(prog);
  EXPECT_TRUE(syms);
  const auto start = testing::nm_address(prog, "spin");
  EXPECT_TRUE(start);
  const auto sym = syms->find(*start);
  EXPECT_TRUE(sym);
  return {*start, *start + sym->size};
}

// The first address of spin() whose chain is three deep (inner in middle in spin).
std::uint64_t innermost_address(DwarfLines& d, std::pair<std::uint64_t, std::uint64_t> r) {
  for (std::uint64_t a = r.first; a < r.second; ++a)
    if (d.lookup(a).size() == 3) return a;
  return 0;
}

TEST(SymbolizeDwarfLinesTest, InlinedChainInnermostFirstWithCallLines) {
  const std::string prog = test_program("inline_chain");
  auto d = open_lines(prog);
  ASSERT_NE(d, nullptr);
  const std::uint64_t a = innermost_address(*d, spin_range(prog));
  ASSERT_NE(a, 0u) << "no address of spin() is inside inner()";

  const std::vector<SourceLine> lines = d->lookup(a);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].function, "inner");
  EXPECT_EQ(lines[1].function, "middle");
  EXPECT_EQ(lines[2].function, "spin");
  const std::string source = lines[0].file;
  EXPECT_TRUE(source.ends_with("tests/programs/inline_chain.c")) << source;
  EXPECT_TRUE(std::filesystem::path(source).is_absolute()) << source;
  for (const SourceLine& l : lines) EXPECT_EQ(l.file, source);
  EXPECT_EQ(lines[0].line, marker_line(source, "LINE-INNER"));
  EXPECT_EQ(lines[1].line, marker_line(source, "LINE-MIDDLE-CALL"));
  EXPECT_EQ(lines[2].line, marker_line(source, "LINE-SPIN-CALL"));
  // Declaration lines: the line above each marker holds the signature.
  EXPECT_EQ(lines[0].start_line, marker_line(source, "LINE-INNER") - 1);
  EXPECT_EQ(lines[1].start_line, marker_line(source, "LINE-MIDDLE-CALL") - 1);
  EXPECT_EQ(lines[2].start_line, marker_line(source, "LINE-SPIN-CALL") - 1);
}

// addr2line -i prints function and file:line per level, innermost first.
TEST(SymbolizeDwarfLinesTest, AgreesWithAddr2lineOverAllOfSpin) {
  const std::string prog = test_program("inline_chain");
  auto d = open_lines(prog);
  ASSERT_NE(d, nullptr);
  const auto [lo, hi] = spin_range(prog);
  int compared = 0;
  for (std::uint64_t a = lo; a < hi; ++a) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(a));
    const auto out = run("addr2line -i -f -e '" + prog + "' " + hex);
    ASSERT_TRUE(out);
    std::istringstream in(*out);
    std::vector<SourceLine> lines = d->lookup(a);
    std::string fn, where;
    std::size_t i = 0;
    for (; std::getline(in, fn) && std::getline(in, where); ++i) {
      ASSERT_LT(i, lines.size()) << hex;
      EXPECT_EQ(lines[i].function, fn) << hex;
      const std::string expect_line = where.substr(where.rfind(':') + 1);
      EXPECT_EQ(std::to_string(lines[i].line), expect_line.substr(0, expect_line.find(' ')))
          << hex;
    }
    EXPECT_EQ(i, lines.size()) << hex;
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

TEST(SymbolizeDwarfLinesTest, OverTheBudgetIsRefusedAndSaysSo) {
  const std::string prog = test_program("inline_chain");
  Fd fd(::open(prog.c_str(), O_RDONLY | O_CLOEXEC));
  bool over = false;
  auto d = DwarfLines::open(fd.get(), prog, SIZE_MAX, over);
  ASSERT_TRUE(d);
  const std::size_t bytes = (*d)->bytes();
  EXPECT_GT(bytes, 0u);
  EXPECT_FALSE(over);
  auto refused = DwarfLines::open(fd.get(), prog, bytes - 1, over);
  EXPECT_FALSE(refused);
  EXPECT_TRUE(over);
  EXPECT_TRUE(DwarfLines::open(fd.get(), prog, bytes, over));
}

// The inflated size of each .debug_* section of `path`, as binutils sees them
// in a copy objcopy has decompressed.
std::map<std::string, std::size_t> inflated_debug_sections(const std::string& path) {
  testing::TempDir dir;
  const std::string copy = dir.path() + "/inflated.debug";
  std::map<std::string, std::size_t> out;
  const auto listed = run("objcopy --decompress-debug-sections '" + path + "' '" + copy +
                          "' && readelf -S -W '" + copy + "' 2>/dev/null");
  if (!listed) return out;
  std::istringstream in(*listed);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(" .debug_");
    if (at == std::string::npos) continue;
    std::istringstream fields(line.substr(at));
    std::string name, type, addr, off, size;
    if (fields >> name >> type >> addr >> off >> size) out[name] = std::stoull(size, nullptr, 16);
  }
  return out;
}

// libc6-dbg's libc has 1.4 MB of location lists among its 10 MB of DWARF:
// lines and inlined calls never read them, so libdw is not given them to
// inflate, and the budget does not count them; lookups work as before.
TEST(SymbolizeDwarfLinesTest, LocationListsAreNeitherInflatedNorCounted) {
  const std::string debug = testing::host_debug_file("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_FALSE(debug.empty());
  const auto sections = inflated_debug_sections(debug);
  ASSERT_TRUE(sections.count(".debug_loclists") && sections.count(".debug_info"))
      << "libc6-dbg missing? (make deps)";
  std::size_t all = 0;
  for (const auto& [name, size] : sections) all += size;
  const std::size_t loclists = sections.at(".debug_loclists");
  ASSERT_GT(loclists, 1u << 20);
  for (const char* unread : {".debug_loc", ".debug_macro", ".debug_frame"})
    ASSERT_FALSE(sections.count(unread)) << "the test counts on only loclists to hide";

  Fd fd(::open(debug.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  EXPECT_EQ(DwarfLines::bytes_of(fd.get()), all - loclists);
  const auto heap = [] {
    const struct mallinfo2 m = ::mallinfo2();
    return m.uordblks + m.hblkhd;  // chunks in use, and mmapped ones
  };
  const std::size_t before = heap();
  bool over = false;
  auto d = DwarfLines::open(fd.get(), debug, SIZE_MAX, over);
  ASSERT_TRUE(d) << d.error().line();
  const std::size_t grew = heap() - before;
  EXPECT_EQ((*d)->bytes(), all - loclists);
  EXPECT_LT(grew, all - loclists + (1u << 20)) << "inflated " << grew << " bytes";
  const auto qsort = testing::nm_address(debug, "qsort");
  ASSERT_TRUE(qsort);
  const auto lines = (*d)->lookup(*qsort + 4);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines.back().function.ends_with("qsort")) << lines.back().function;  // __GI_qsort
  EXPECT_GT(lines.back().line, 0);
}

TEST(SymbolizeDwarfLinesTest, NoDwarfIsAnErrorNotACrash) {
  EXPECT_EQ(open_lines("/usr/bin/gzip"), nullptr);  // Debian's: stripped
  testing::TempDir dir;
  const std::string junk = dir.path() + "/junk";
  testing::write_text(junk, std::string(4096, '\x7f'));
  EXPECT_EQ(open_lines(junk), nullptr);
}

// Every prefix of the file, and the file with its DWARF bytes flipped: open
// fails or lookups answer something; neither crashes (run under ASan too).
TEST(SymbolizeDwarfLinesTest, CorruptDwarfNeverCrashes) {
  const std::string prog = test_program("inline_chain");
  const std::string bytes = testing::read_text(prog);
  const auto [lo, hi] = spin_range(prog);
  testing::TempDir dir;
  const std::string bad = dir.path() + "/bad";
  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 200, bytes.size() - 1}) {
    testing::write_text(bad, bytes.substr(0, cut));
    if (auto d = open_lines(bad))
      for (std::uint64_t a = lo; a < hi; ++a) (void)d->lookup(a);
  }
  std::string flipped = bytes;
  for (std::size_t i = bytes.size() / 3; i < bytes.size(); i += 7) flipped[i] ^= 0x5a;
  testing::write_text(bad, flipped);
  if (auto d = open_lines(bad))
    for (std::uint64_t a = lo; a < hi; ++a) (void)d->lookup(a);
}

// A running inline_chain, its frames through the Symbolizer.
class SymbolizeLinesProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::execl(prog_.c_str(), prog_.c_str(), "30", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Until the exec shows in the maps, and the dynamic loader has mapped libc.
    for (int i = 0; i < 500; ++i) {
      auto m = ProcessMaps::read(pid_);
      if (m && bias(*m) && has_libc(*m)) {
        maps_ = std::make_unique<ProcessMaps>(std::move(m).value());
        break;
      }
      ::usleep(2000);
    }
    ASSERT_NE(maps_, nullptr);
  }
  void TearDown() override {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  static bool has_libc(const ProcessMaps& m) {
    for (const MapEntry& e : m.entries())
      if (e.path.ends_with("/libc.so.6")) return true;
    return false;
  }
  std::optional<std::uint64_t> bias(const ProcessMaps& m) const {
    for (const MapEntry& e : m.entries())
      if (e.path.ends_with("/inline_chain")) return e.start - e.offset;  // text: vaddr = offset
    return std::nullopt;
  }
  std::uint64_t runtime(std::uint64_t vaddr) const { return *bias(*maps_) + vaddr; }
  // libc's mapping in the child, and the runtime address of qsort + 4 (qsort
  // is 8 bytes long: a jump to qsort_r).
  const MapEntry* libc() const {
    for (const MapEntry& e : maps_->entries())
      if (e.path.ends_with("/libc.so.6")) return &e;
    return nullptr;
  }
  std::uint64_t qsort_address() const {
    const auto nm = run("nm -D '" + libc()->path + "'");
    EXPECT_TRUE(nm);
    const auto at = nm->find(" T qsort@");
    EXPECT_NE(at, std::string::npos);
    const std::uint64_t qsort = std::stoull(nm->substr(nm->rfind('\n', at) + 1), nullptr, 16);
    return libc()->start - libc()->offset + qsort + 4;
  }

  const std::string prog_ = test_program("inline_chain");
  pid_t pid_ = -1;
  std::unique_ptr<ProcessMaps> maps_;
};

TEST_F(SymbolizeLinesProcessTest, FramesCarryTheirInlinedCallsAndAreCountedOnce) {
  auto d = open_lines(prog_);
  ASSERT_NE(d, nullptr);
  const std::uint64_t a = innermost_address(*d, spin_range(prog_));
  ASSERT_NE(a, 0u);
  Symbolizer s;
  const auto pid = static_cast<std::uint32_t>(pid_);
  for (int round = 0; round < 2; ++round) {  // the second from the address cache
    s.begin_profile();
    const SymbolizedFrame f = s.user(pid, *maps_, runtime(a));
    s.end_profile();
    EXPECT_EQ(f.function, "spin");
    ASSERT_EQ(f.lines.size(), 3u) << "round " << round;
    EXPECT_EQ(f.lines[0].function, "inner");
    EXPECT_EQ(f.lines[2].function, "spin");
  }
  const Symbolizer::Stats st = s.stats();
  EXPECT_EQ(st.lines[static_cast<std::size_t>(LineResult::kFound)], 1u);
  EXPECT_EQ(st.dwarf_opened, 1u);
  EXPECT_EQ(st.cache_hits, 1u);
}

TEST_F(SymbolizeLinesProcessTest, OverTheDwarfBudgetIsCountedAndRetriedNextProfile) {
  Symbolizer::Options o;
  o.max_dwarf_bytes = 1024;  // smaller than any real DWARF
  Symbolizer s(o);
  const auto pid = static_cast<std::uint32_t>(pid_);
  const std::uint64_t spin = spin_range(prog_).first;
  s.begin_profile();
  EXPECT_TRUE(s.user(pid, *maps_, runtime(spin + 4)).lines.empty());
  EXPECT_TRUE(s.user(pid, *maps_, runtime(spin + 5)).lines.empty());
  s.end_profile();
  const Symbolizer::Stats st = s.stats();
  EXPECT_EQ(st.lines[static_cast<std::size_t>(LineResult::kOverBudget)], 2u);
  EXPECT_EQ(st.dwarf_over_budget, 1u) << "once per binary per profile";
  EXPECT_EQ(st.dwarf_opened, 0u);
}

// Two binaries whose DWARF does not fit the budget together, asked in turn:
// the first reader closes for the second and stays closed for the profile
// (no reopening per alternation); the next profile opens it again.
TEST_F(SymbolizeLinesProcessTest, AClosedReaderStaysClosedForTheProfile) {
  ASSERT_NE(libc(), nullptr);
  Symbolizer::Options o;
  // Room for libc6-dbg's libc (10 MB) or inline_chain, not both.
  auto dwarf_of = [](const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    return DwarfLines::bytes_of(fd.get());
  };
  const std::size_t libc_dwarf = dwarf_of(testing::host_debug_file(libc()->path));
  ASSERT_GT(libc_dwarf, 1u << 20) << "libc6-dbg missing? (make deps)";
  o.max_dwarf_bytes = libc_dwarf + dwarf_of(prog_) - 1;
  Symbolizer s(o);
  const auto pid = static_cast<std::uint32_t>(pid_);
  const std::uint64_t spin = runtime(spin_range(prog_).first);
  const std::uint64_t in_libc = qsort_address();
  s.begin_profile();
  EXPECT_FALSE(s.user(pid, *maps_, spin + 4).lines.empty());
  EXPECT_FALSE(s.user(pid, *maps_, in_libc).lines.empty());   // closes inline_chain's
  EXPECT_TRUE(s.user(pid, *maps_, spin + 5).lines.empty());   // not reopened
  EXPECT_FALSE(s.user(pid, *maps_, in_libc + 1).lines.empty());  // qsort + 5
  s.end_profile();
  EXPECT_EQ(s.stats().dwarf_opened, 2u);
  EXPECT_EQ(s.stats().lines[static_cast<std::size_t>(LineResult::kOverBudget)], 1u);
  s.begin_profile();
  EXPECT_FALSE(s.user(pid, *maps_, spin + 6).lines.empty());
  s.end_profile();
  EXPECT_EQ(s.stats().dwarf_opened, 3u);
}

// The prefetch is done with a binary: its reader closes at once, its lines
// stay answered from the address cache, and the next binary's opens alone.
// While another profile is open, the readers stay.
TEST_F(SymbolizeLinesProcessTest, ABinaryDoneClosesItsReaderUnlessAnotherProfileIsOpen) {
  ASSERT_NE(libc(), nullptr);
  Symbolizer s;
  const auto pid = static_cast<std::uint32_t>(pid_);
  const std::uint64_t spin = runtime(spin_range(prog_).first);
  s.begin_profile();
  s.prefetch(pid, *maps_, spin + 4);
  const std::size_t prog_dwarf = s.stats().dwarf_open_bytes;
  EXPECT_GT(prog_dwarf, 0u);
  s.binary_done();
  EXPECT_EQ(s.stats().dwarf_open_bytes, 0u);
  s.prefetch(pid, *maps_, qsort_address());
  const std::size_t libc_dwarf = s.stats().dwarf_open_bytes;
  EXPECT_GT(libc_dwarf, 1u << 20) << "libc6-dbg missing? (make deps)";
  EXPECT_FALSE(s.user(pid, *maps_, spin + 4).lines.empty());  // from the cache
  EXPECT_EQ(s.stats().dwarf_open_bytes, libc_dwarf);         // inline_chain's not reopened
  EXPECT_FALSE(s.user(pid, *maps_, spin + 5).lines.empty());  // not cached: reopened
  EXPECT_EQ(s.stats().dwarf_open_bytes, libc_dwarf + prog_dwarf);
  EXPECT_EQ(s.stats().dwarf_opened, 3u);
  s.begin_profile();  // another publisher's profile overlaps
  s.binary_done();
  EXPECT_EQ(s.stats().dwarf_open_bytes, libc_dwarf + prog_dwarf);
  s.end_profile();
  s.binary_done();
  EXPECT_EQ(s.stats().dwarf_open_bytes, 0u);
  s.end_profile();
}

// The two publisher threads' profiles overlap: the end of one must not close
// the readers the other still reads; the end of the last one does.
TEST_F(SymbolizeLinesProcessTest, ReadersCloseWhenTheLastOverlappingProfileEnds) {
  Symbolizer s;
  const auto pid = static_cast<std::uint32_t>(pid_);
  const std::uint64_t spin = runtime(spin_range(prog_).first);
  s.begin_profile();  // the periodic window's
  s.begin_profile();  // an HTTP request's
  EXPECT_FALSE(s.user(pid, *maps_, spin + 4).lines.empty());
  s.end_profile();  // the request's ends first
  EXPECT_FALSE(s.user(pid, *maps_, spin + 5).lines.empty());
  EXPECT_EQ(s.stats().dwarf_opened, 1u) << "still open for the periodic window";
  s.end_profile();
  s.begin_profile();
  EXPECT_FALSE(s.user(pid, *maps_, spin + 6).lines.empty());
  s.end_profile();
  EXPECT_EQ(s.stats().dwarf_opened, 2u) << "closed when both had ended";
}

TEST_F(SymbolizeLinesProcessTest, LinesOffIsCounted) {
  Symbolizer::Options o;
  o.lines = false;
  Symbolizer off(o);
  const auto pid = static_cast<std::uint32_t>(pid_);
  const std::uint64_t spin = spin_range(prog_).first;
  const SymbolizedFrame f = off.user(pid, *maps_, runtime(spin + 4));
  EXPECT_EQ(f.function, "spin");
  EXPECT_TRUE(f.lines.empty());
  EXPECT_EQ(off.stats().lines[static_cast<std::size_t>(LineResult::kOff)], 1u);
  EXPECT_EQ(off.stats().dwarf_opened, 0u);
}

// Debian's libc has no DWARF of its own; libc6-dbg's debug file has it.
TEST_F(SymbolizeLinesProcessTest, LibcLinesComeFromItsDebugFile) {
  ASSERT_NE(libc(), nullptr);
  Symbolizer s;
  const SymbolizedFrame f = s.user(static_cast<std::uint32_t>(pid_), *maps_, qsort_address());
  EXPECT_EQ(f.function, "qsort") << name_of(f.unnamed) << " " << f.path;
  ASSERT_FALSE(f.lines.empty());
  EXPECT_EQ(f.lines.back().function, "qsort");
  EXPECT_TRUE(f.lines.back().file.ends_with(".c")) << f.lines.back().file;
  EXPECT_GT(f.lines.back().line, 0);
}

}  // namespace
}  // namespace profbufd::symbolize
