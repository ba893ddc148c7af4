#include "process/proc_maps.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "../symbolize/test_util.h"

namespace profbufd {
namespace {

using symbolize::testing::fixture_dir;
using symbolize::testing::read_text;

TEST(SymbolizeProcMapsTest, ParsesAFileMapping) {
  auto e = parse_map_line(
      "55b3d5ee6000-55b3d5eeb000 r-xp 00002000 fe:01 247134                     /usr/bin/cat");
  ASSERT_TRUE(e) << e.error().line();
  EXPECT_EQ(e->start, 0x55b3d5ee6000u);
  EXPECT_EQ(e->end, 0x55b3d5eeb000u);
  EXPECT_TRUE(e->read);
  EXPECT_FALSE(e->write);
  EXPECT_TRUE(e->exec);
  EXPECT_FALSE(e->shared);
  EXPECT_EQ(e->offset, 0x2000u);
  EXPECT_EQ(e->dev_major, 0xfeu);
  EXPECT_EQ(e->dev_minor, 0x01u);
  EXPECT_EQ(e->inode, 247134u);
  EXPECT_EQ(e->path, "/usr/bin/cat");
  EXPECT_FALSE(e->deleted);
  EXPECT_TRUE(e->is_file());
  EXPECT_FALSE(e->is_special());
  EXPECT_TRUE(e->contains(0x55b3d5ee6000));
  EXPECT_TRUE(e->contains(0x55b3d5eeafff));
  EXPECT_FALSE(e->contains(0x55b3d5eeb000));
}

TEST(SymbolizeProcMapsTest, KeepsSpacesInPaths) {
  auto e = parse_map_line("1000-2000 r-xp 00000000 08:02 99    /opt/My App/bin/run  me");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "/opt/My App/bin/run  me");
}

TEST(SymbolizeProcMapsTest, StripsDeletedSuffix) {
  auto e = parse_map_line("1000-2000 r-xp 00001000 08:11 77   /opt/plugin/libold.so (deleted)");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "/opt/plugin/libold.so");
  EXPECT_TRUE(e->deleted);
  EXPECT_EQ(e->dev_major, 0x08u);
  EXPECT_EQ(e->dev_minor, 0x11u);
}

TEST(SymbolizeProcMapsTest, SpecialAndAnonymousMappings) {
  auto vdso = parse_map_line("7ffd5a1f4000-7ffd5a1f6000 r-xp 00000000 00:00 0     [vdso]");
  ASSERT_TRUE(vdso);
  EXPECT_EQ(vdso->path, "[vdso]");
  EXPECT_TRUE(vdso->is_special());
  EXPECT_FALSE(vdso->is_file());

  auto heap = parse_map_line("5600a2000000-5600a2021000 rw-p 00000000 00:00 0   [heap]");
  ASSERT_TRUE(heap);
  EXPECT_EQ(heap->path, "[heap]");
  EXPECT_FALSE(heap->exec);

  // Anonymous: no path at all, with or without trailing padding.
  for (const char* line : {"7f1c00000000-7f1c00100000 rwxp 00000000 00:00 0 ",
                           "7f1c00000000-7f1c00100000 rwxp 00000000 00:00 0"}) {
    auto anon = parse_map_line(line);
    ASSERT_TRUE(anon) << line;
    EXPECT_EQ(anon->path, "");
    EXPECT_EQ(anon->inode, 0u);
    EXPECT_FALSE(anon->is_file());
    EXPECT_FALSE(anon->is_special());
  }

  auto shared = parse_map_line("7f00-8f00 r--s 00000000 fe:00 332280   /usr/lib/gconv.cache");
  ASSERT_TRUE(shared);
  EXPECT_TRUE(shared->shared);
}

TEST(SymbolizeProcMapsTest, RejectsMalformedLines) {
  for (const char* line : {
           "",                                     // nothing
           "zz-2000 r-xp 00000000 08:02 99 /a",    // bad start
           "1000 r-xp 00000000 08:02 99 /a",       // no range
           "2000-1000 r-xp 00000000 08:02 99 /a",  // end before start
           "1000-2000 r-x 00000000 08:02 99 /a",   // perms too short
           "1000-2000 r-xp 0000g000 08:02 99 /a",  // bad offset
           "1000-2000 r-xp 00000000 0802 99 /a",   // bad device
           "1000-2000 r-xp 00000000 08:02 9x /a",  // bad inode
           "1000-2000 r-xp 00000000 08:02",        // truncated
       }) {
    auto e = parse_map_line(line);
    EXPECT_FALSE(e) << "accepted: " << line;
    if (!e) {
      EXPECT_EQ(e.error().code, ExitCode::kRuntime);
    }
  }
}

TEST(SymbolizeProcMapsTest, ParseMapsKeepsEveryLine) {
  auto all = parse_maps(read_text(fixture_dir() + "/procfs/4242/maps"));
  ASSERT_TRUE(all) << all.error().line();
  EXPECT_EQ(all->size(), 15u);
  EXPECT_EQ((*all)[0].path, "/usr/bin/my app");
  auto empty = parse_maps("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto bad = parse_maps("1000-2000 r-xp 00000000 08:02 99 /a\nnonsense\n");
  EXPECT_FALSE(bad);
}

TEST(SymbolizeProcMapsTest, ProcessMapsKeepsExecutableMappingsSorted) {
  auto maps = ProcessMaps::parse(read_text(fixture_dir() + "/procfs/4242/maps"));
  ASSERT_TRUE(maps) << maps.error().line();
  // r-x app, rwx anon, r-x libc, r-x deleted, --x exec-only, [vdso], [vsyscall].
  ASSERT_EQ(maps->entries().size(), 7u);
  for (std::size_t i = 1; i < maps->entries().size(); ++i) {
    EXPECT_LT(maps->entries()[i - 1].start, maps->entries()[i].start);
  }
  for (const MapEntry& e : maps->entries()) EXPECT_TRUE(e.exec) << e.path;
}

TEST(SymbolizeProcMapsTest, FindHonoursBoundaries) {
  auto maps = ProcessMaps::parse(read_text(fixture_dir() + "/procfs/4242/maps"));
  ASSERT_TRUE(maps);
  const MapEntry* e = maps->find(0x5600a0e02000);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->path, "/usr/bin/my app");
  EXPECT_EQ(e->offset, 0x2000u);
  ASSERT_NE(maps->find(0x5600a0e06fff), nullptr);
  EXPECT_EQ(maps->find(0x5600a0e07000), nullptr);  // r--p: not executable
  EXPECT_EQ(maps->find(0x5600a0e01fff), nullptr);
  EXPECT_EQ(maps->find(0), nullptr);
  e = maps->find(0x7f1c10100000);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
  e = maps->find(0x7f1c30000800);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->path, "/usr/lib/exec-only.so");  // --xp counts
  e = maps->find(0xffffffffff600010);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->path, "[vsyscall]");
}

TEST(SymbolizeProcMapsTest, RejectsOverlappingExecutableMappings) {
  auto maps = ProcessMaps::parse(
      "1000-3000 r-xp 00000000 08:02 1 /a\n"
      "2000-4000 r-xp 00000000 08:02 2 /b\n");
  EXPECT_FALSE(maps);
}

TEST(SymbolizeProcMapsTest, ReadsFromAProcfsRoot) {
  auto maps = ProcessMaps::read(4242, fixture_dir() + "/procfs");
  ASSERT_TRUE(maps) << maps.error().line();
  EXPECT_EQ(maps->entries().size(), 7u);
}

TEST(SymbolizeProcMapsTest, VanishedProcessIsAnExpectedError) {
  auto maps = ProcessMaps::read(999999, fixture_dir() + "/procfs");
  ASSERT_FALSE(maps);
  EXPECT_EQ(maps.error().code, ExitCode::kRuntime);
  EXPECT_NE(maps.error().why.find("no such process"), std::string::npos);
}

__attribute__((noinline)) int maps_test_marker(int x) { return x * 5 + 1; }

TEST(SymbolizeProcMapsTest, ReadsOwnProcess) {
  auto maps = ProcessMaps::read(static_cast<int>(::getpid()));
  ASSERT_TRUE(maps) << maps.error().line();
  const auto addr = reinterpret_cast<std::uintptr_t>(&maps_test_marker);
  const MapEntry* e = maps->find(addr);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->is_file());
  char exe[4096] = {};
  ASSERT_GT(::readlink("/proc/self/exe", exe, sizeof exe - 1), 0);
  EXPECT_EQ(e->path, exe);
}

}  // namespace
}  // namespace profbufd
