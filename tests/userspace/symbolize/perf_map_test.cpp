#include "symbolize/perf_map.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/fd.h"
#include "process/proc_maps.h"
#include "symbolize/symbolizer.h"
#include "test_util.h"

namespace profbufd::symbolize {
namespace {

using testing::fixture_dir;
using testing::read_text;
using testing::TempDir;

std::string name_at(const PerfMap& m, std::uint64_t addr) {
  const auto s = m.find(addr);
  return s ? std::string(s->name) : std::string("<none>");
}

TEST(SymbolizePerfMapTest, ParsesGoodLinesAndFindsByAddress) {
  // As node --perf-basic-prof, python3.12 -X perf and perf-map-agent write them.
  const PerfMap m = PerfMap::parse(
      "7f1c00000000 40 JS:*hotLoop /tmp/hot.js:3:17\n"
      "7f1c00000100 20 py::f:/tmp/x.py\n"
      "0x7f1c00000200 0x10 Lcom/example/Foo;.bar(I)V\n");
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.counts().lines, 3u);
  EXPECT_EQ(m.counts().malformed, 0u);
  EXPECT_EQ(name_at(m, 0x7f1c00000000), "JS:*hotLoop /tmp/hot.js:3:17");
  EXPECT_EQ(name_at(m, 0x7f1c0000003f), "JS:*hotLoop /tmp/hot.js:3:17");
  EXPECT_EQ(name_at(m, 0x7f1c00000040), "<none>");  // one past the end
  EXPECT_EQ(name_at(m, 0x7f1c00000110), "py::f:/tmp/x.py");
  EXPECT_EQ(name_at(m, 0x7f1c0000020f), "Lcom/example/Foo;.bar(I)V");
  EXPECT_EQ(name_at(m, 0x7f1bffffffff), "<none>");
  const auto s = m.find(0x7f1c00000105);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->start, 0x7f1c00000100u);
  EXPECT_EQ(s->end, 0x7f1c00000120u);
}

TEST(SymbolizePerfMapTest, NamesKeepSpacesTabsAndUppercaseHex) {
  const PerfMap m = PerfMap::parse("ABC0 10 LazyCompile:~<anonymous>  file:///a b.js:1\t2 \n");
  EXPECT_EQ(name_at(m, 0xabc4), "LazyCompile:~<anonymous>  file:///a b.js:1\t2 ");
}

TEST(SymbolizePerfMapTest, MalformedLinesAreSkippedAndCounted) {
  const PerfMap m = PerfMap::parse(
      "zz 10 bad start\n"
      "1000 zz bad size\n"
      "1000 10\n"                 // no name
      "1000 10 \n"                // blank name
      "1000 0 empty range\n"      // nothing to cover
      "ffffffffffffff00 200 wraps\n"
      "1000\n"
      "-1000 10 negative\n"
      "1000x 10 glued\n"
      "\n"                        // blank lines are no damage
      "2000 10 good\n"
      "3000 10 last without newline");
  EXPECT_EQ(m.counts().malformed, 9u);
  EXPECT_EQ(m.counts().lines, 2u);
  EXPECT_EQ(name_at(m, 0x1000), "<none>");
  EXPECT_EQ(name_at(m, 0x2008), "good");
  EXPECT_EQ(name_at(m, 0x3008), "last without newline");
}

TEST(SymbolizePerfMapTest, HostileBytesAreKeptButNamesAreBounded) {
  static constexpr char kBytes[] = "\0\x01\xff\x1b[31m\"<script>";
  const std::string bytes(kBytes, sizeof kBytes - 1);
  std::string hostile = "1000 10 a" + bytes;
  hostile += "\n2000 10 " + std::string(5000, 'x') + "\n";
  PerfMapLimits limits;
  limits.max_name_bytes = 64;
  const PerfMap m = PerfMap::parse(hostile, limits);
  EXPECT_EQ(name_at(m, 0x1000), "a" + bytes);
  EXPECT_EQ(name_at(m, 0x2000), std::string(64, 'x'));
  EXPECT_EQ(m.counts().names_truncated, 1u);
  EXPECT_LT(m.memory_bytes(), 1024u);
}

TEST(SymbolizePerfMapTest, UnsortedLinesAreSorted) {
  const PerfMap m = PerfMap::parse("3000 10 c\n1000 10 a\n2000 10 b\n");
  EXPECT_EQ(name_at(m, 0x1004), "a");
  EXPECT_EQ(name_at(m, 0x2004), "b");
  EXPECT_EQ(name_at(m, 0x3004), "c");
  EXPECT_EQ(m.size(), 3u);
}

TEST(SymbolizePerfMapTest, LaterLinesWinOverlaps) {
  // A JIT frees code and compiles other code into the same memory: the newest
  // line describes what is there now, whether it is smaller, larger or equal.
  const PerfMap m = PerfMap::parse(
      "1000 100 old big\n"
      "1040 10 new inside\n"
      "2000 10 old small\n"
      "1ff0 40 new around\n"
      "3000 10 first\n"
      "3000 10 again\n");
  EXPECT_EQ(name_at(m, 0x1000), "old big");
  EXPECT_EQ(name_at(m, 0x103f), "old big");
  EXPECT_EQ(name_at(m, 0x1040), "new inside");
  EXPECT_EQ(name_at(m, 0x104f), "new inside");
  EXPECT_EQ(name_at(m, 0x1050), "old big");  // the rest of the old range stays
  EXPECT_EQ(name_at(m, 0x10ff), "old big");
  EXPECT_EQ(name_at(m, 0x1100), "<none>");
  EXPECT_EQ(name_at(m, 0x1ff0), "new around");
  EXPECT_EQ(name_at(m, 0x2008), "new around");
  EXPECT_EQ(name_at(m, 0x202f), "new around");
  EXPECT_EQ(name_at(m, 0x3000), "again");
  // Disjoint pieces: old big, new inside, old big, new around, again.
  EXPECT_EQ(m.size(), 5u);
}

TEST(SymbolizePerfMapTest, NewestLinesAreKeptWithinMaxEntries) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += std::to_string(1000 + i) + "0 10 f" + std::to_string(i) + "\n";
  PerfMapLimits limits;
  limits.max_entries = 10;
  const PerfMap m = PerfMap::parse(text, limits);
  EXPECT_EQ(m.size(), 10u);
  EXPECT_EQ(m.counts().dropped, 90u);
  EXPECT_EQ(name_at(m, 0x10000), "<none>");  // f0, the oldest
  EXPECT_EQ(name_at(m, 0x10990), "f99");
  EXPECT_EQ(name_at(m, 0x10900), "f90");
  EXPECT_EQ(name_at(m, 0x10890), "<none>");
}

// max_entries bounds the lines kept, not the entries: a later line over the
// middle of an earlier one splits it, so n lines make up to 2n - 1 entries
// (the perf_map fuzz target checks that bound).
TEST(SymbolizePerfMapTest, AnOverlapSplitsALineIntoMoreEntriesThanLinesKept) {
  PerfMapLimits limits;
  limits.max_entries = 2;
  const PerfMap m = PerfMap::parse("1000 100 big\n1040 10 inside\n", limits);
  EXPECT_EQ(m.counts().lines, 2u);
  EXPECT_EQ(m.size(), 3u);  // big, inside, big
  EXPECT_EQ(name_at(m, 0x10ff), "big");
}

class SymbolizePerfMapFileTest : public ::testing::Test {
 protected:
  PerfMap read(const std::string& text, const PerfMapLimits& limits = {}) {
    const std::string path = dir_.file("perf-1.map", text);
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd);
    auto m = PerfMap::read_fd(fd.get(), text.size(), limits);
    EXPECT_TRUE(m) << m.error().line();
    return m ? std::move(m).value() : PerfMap();
  }
  TempDir dir_;
};

TEST_F(SymbolizePerfMapFileTest, ReadsTheTailFromALineStart) {
  PerfMapLimits limits;
  limits.max_read_bytes = 24;  // the last line and part of the one before
  const PerfMap m = read("1000 10 aaaaaaaaaa\n2000 10 bbbbbbbb\n3000 10 cccc\n", limits);
  EXPECT_EQ(name_at(m, 0x1000), "<none>");
  EXPECT_EQ(name_at(m, 0x2000), "<none>");  // cut mid-line: not parsed as garbage
  EXPECT_EQ(name_at(m, 0x3000), "cccc");
  EXPECT_EQ(m.counts().malformed, 0u);
  EXPECT_EQ(m.counts().skipped_bytes, 36u);
}

TEST_F(SymbolizePerfMapFileTest, AnUnterminatedLastLineWaitsForTheNextRead) {
  const PerfMap m = read("1000 10 whole\n2000 10 half-wri");
  EXPECT_EQ(name_at(m, 0x1000), "whole");
  EXPECT_EQ(name_at(m, 0x2000), "<none>");
  EXPECT_EQ(m.counts().malformed, 0u);
}

TEST_F(SymbolizePerfMapFileTest, EmptyFileIsAnEmptyMap) {
  const PerfMap m = read("");
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.find(0x1000));
}

// ---- the Symbolizer's JIT path, on a procfs of our own ------------------------
//
// Pid 4242 of the symbolize fixtures has anonymous executable memory at
// 0x7f1c00000000; its procfs here gets a status, a stat (for the start time)
// and a root/tmp holding the perf map.
class SymbolizePerfMapSymbolizerTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kJit = 0x7f1c00000000;

  void SetUp() override {
    std::filesystem::create_directories(proc_dir() + "/root/tmp");
    write(proc_dir() + "/maps", read_text(fixture_dir() + "/procfs/4242/maps"));
    set_status("NSpid:\t4242\n");
    set_start_time(1000);
    auto maps = ProcessMaps::read(4242, procfs());
    ASSERT_TRUE(maps) << maps.error().line();
    maps_ = std::move(maps).value();
  }

  std::string procfs() const { return dir_.path() + "/procfs"; }
  std::string proc_dir() const { return procfs() + "/4242"; }
  std::string perf_map(std::uint32_t nspid = 4242) const {
    return proc_dir() + "/root/tmp/perf-" + std::to_string(nspid) + ".map";
  }
  static void write(const std::string& path, const std::string& text, bool append = false) {
    std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    out << text;
    ASSERT_TRUE(out) << path;
  }
  void set_status(const std::string& text) { write(proc_dir() + "/status", text); }
  void set_start_time(std::uint64_t ticks) {
    std::string stat = "4242 (node) S";
    for (int field = 4; field <= 21; ++field) stat += " 0";
    write(proc_dir() + "/stat", stat + " " + std::to_string(ticks) + " 1000 10\n");
  }
  Symbolizer symbolizer(std::chrono::milliseconds recheck = std::chrono::milliseconds(0)) {
    Symbolizer::Options o;
    o.procfs_root = procfs();
    o.perf_map_recheck = recheck;
    return Symbolizer(o);
  }

  TempDir dir_;
  ProcessMaps maps_;
};

TEST_F(SymbolizePerfMapSymbolizerTest, NamesAnonymousCodeFromThePerfMap) {
  write(perf_map(), "7f1c00000000 40 JS:*hotLoop /tmp/hot.js:1:1\n");
  Symbolizer s = symbolizer(std::chrono::milliseconds(1000));
  SymbolizedFrame f = s.user(4242, maps_, kJit + 0x20);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "JS:*hotLoop /tmp/hot.js:1:1");
  EXPECT_EQ(f.module, "[anon]");
  EXPECT_EQ(f.offset, 0x20u);
  EXPECT_EQ(f.map_start, kJit);
  EXPECT_EQ(f.source, NameSource::kJitMap);
  // Anonymous memory the map does not cover keeps its module and offset.
  f = s.user(4242, maps_, kJit + 0x40);
  EXPECT_FALSE(f.resolved);
  EXPECT_EQ(f.function, "[anon]+0x40");
  EXPECT_EQ(f.unnamed, UnnamedReason::kAnonymous);
  const Symbolizer::Stats st = s.stats();
  EXPECT_EQ(st.named[static_cast<std::size_t>(NameSource::kJitMap)], 1u);
  EXPECT_EQ(st.unnamed[static_cast<std::size_t>(UnnamedReason::kAnonymous)], 1u);
  EXPECT_EQ(st.hits, 1u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.perf_maps.reads, 1u);
  EXPECT_EQ(st.perf_maps.processes, 1u);
  EXPECT_GT(st.perf_maps.bytes, 0u);
}

TEST_F(SymbolizePerfMapSymbolizerTest, ContainerizedProcessUsesItsNamespacePid) {
  set_status("Name:\tnode\nNSpid:\t4242\t7\n");
  write(perf_map(4242), "7f1c00000000 40 the host's file, not this process's\n");
  write(perf_map(7), "7f1c00000000 40 JS:*inContainer\n");
  Symbolizer s = symbolizer();
  EXPECT_EQ(s.user(4242, maps_, kJit).function, "JS:*inContainer");
}

TEST_F(SymbolizePerfMapSymbolizerTest, ReReadsOnMissAfterTheFileGrows) {
  write(perf_map(), "7f1c00000000 40 first\n");
  Symbolizer s = symbolizer();
  EXPECT_EQ(s.user(4242, maps_, kJit).function, "first");
  EXPECT_FALSE(s.user(4242, maps_, kJit + 0x100).resolved);  // not compiled yet
  EXPECT_EQ(s.stats().perf_maps.reads, 1u);                   // unchanged: not re-read
  write(perf_map(), "7f1c00000100 40 compiled later\n", /*append=*/true);
  const SymbolizedFrame f = s.user(4242, maps_, kJit + 0x100);
  EXPECT_TRUE(f.resolved);
  EXPECT_EQ(f.function, "compiled later");
  EXPECT_EQ(s.user(4242, maps_, kJit).function, "first");
  EXPECT_EQ(s.stats().perf_maps.reads, 2u);
  EXPECT_EQ(s.stats().perf_maps.rereads, 1u);
}

TEST_F(SymbolizePerfMapSymbolizerTest, ReReadsAtMostOncePerRecheck) {
  write(perf_map(), "7f1c00000000 40 first\n");
  Symbolizer s = symbolizer(std::chrono::hours(1));
  EXPECT_EQ(s.user(4242, maps_, kJit).function, "first");
  write(perf_map(), "7f1c00000100 40 compiled later\n", /*append=*/true);
  EXPECT_FALSE(s.user(4242, maps_, kJit + 0x100).resolved);  // next window
  EXPECT_EQ(s.stats().perf_maps.reads, 1u);
}

TEST_F(SymbolizePerfMapSymbolizerTest, AReusedPidGetsItsOwnMap) {
  write(perf_map(), "7f1c00000000 40 old process\n");
  Symbolizer s = symbolizer();
  EXPECT_EQ(s.user(4242, maps_, kJit).function, "old process");
  // Same address, still covered by the cached map: only the start time tells.
  set_start_time(2000);
  write(perf_map(), "7f1c00000000 40 new process\n");
  EXPECT_EQ(s.user(4242, maps_, kJit).function, "new process");
}

TEST_F(SymbolizePerfMapSymbolizerTest, NoFileLeavesAnonymousCodeUnnamed) {
  Symbolizer s = symbolizer();
  EXPECT_EQ(s.user(4242, maps_, kJit + 0x20).function, "[anon]+0x20");
  EXPECT_EQ(s.user(4242, maps_, kJit + 0x30).function, "[anon]+0x30");
  EXPECT_EQ(s.stats().perf_maps.reads, 0u);
}

TEST_F(SymbolizePerfMapSymbolizerTest, SymlinksAndFifosAreNotRead) {
  const std::string elsewhere = dir_.file("secret", "7f1c00000000 40 someone else's file\n");
  ASSERT_EQ(::symlink(elsewhere.c_str(), perf_map().c_str()), 0);
  Symbolizer s = symbolizer();
  EXPECT_FALSE(s.user(4242, maps_, kJit).resolved);
  // An absolute symlink in the path resolves inside the process's root.
  std::filesystem::remove(perf_map());
  std::filesystem::remove(proc_dir() + "/root/tmp");
  ASSERT_EQ(::symlink(dir_.path().c_str(), (proc_dir() + "/root/tmp").c_str()), 0);
  ::rename(elsewhere.c_str(), (dir_.path() + "/perf-4242.map").c_str());
  EXPECT_FALSE(s.user(4242, maps_, kJit).resolved);
  // A FIFO would block a plain open forever.
  std::filesystem::remove(proc_dir() + "/root/tmp");
  std::filesystem::create_directories(proc_dir() + "/root/tmp");
  ASSERT_EQ(::mkfifo(perf_map().c_str(), 0600), 0);
  EXPECT_FALSE(s.user(4242, maps_, kJit).resolved);
  EXPECT_EQ(s.stats().perf_maps.rejected, 1u);
}

TEST_F(SymbolizePerfMapSymbolizerTest, MapsAreBoundedByProcessCount) {
  write(perf_map(), "7f1c00000000 40 f\n");
  Symbolizer::Options o;
  o.procfs_root = procfs();
  o.max_perf_maps = 1;
  Symbolizer s(o);
  EXPECT_TRUE(s.user(4242, maps_, kJit).resolved);
  s.user(4243, maps_, kJit);  // no such process here: an empty entry
  EXPECT_EQ(s.stats().perf_maps.processes, 1u);
  EXPECT_EQ(s.stats().perf_maps.evicted, 1u);
}

}  // namespace
}  // namespace profbufd::symbolize
