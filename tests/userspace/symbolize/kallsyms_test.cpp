#include "symbolize/kallsyms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "test_util.h"

namespace profbufd::symbolize {
namespace {

using testing::fixture_dir;
using testing::read_text;
using testing::TempDir;
using testing::write_text;

KernelSymbols parse_fixture() {
  auto k = KernelSymbols::parse(read_text(fixture_dir() + "/procfs/kallsyms"));
  if (!k) throw std::runtime_error(k.error().line());
  return std::move(k).value();
}

TEST(SymbolizeKallsymsTest, KeepsTextSymbolsOnly) {
  const KernelSymbols k = parse_fixture();
  // Text at distinct addresses in the fixture: 0x81000000 (3 aliases), 0x81001000,
  // 0x81002000, 0x81002400 (2 aliases), 0x81002800, 0x81e00000, and 5 in modules.
  EXPECT_EQ(k.size(), 11u);
  EXPECT_EQ(k.malformed_lines(), 2u);  // the prose line and the bad address
}

TEST(SymbolizeKallsymsTest, FindsGreatestStartNotAbove) {
  const KernelSymbols k = parse_fixture();
  auto s = k.find(0xffffffff81002000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "schedule");
  EXPECT_EQ(s->module, "[kernel.kallsyms]");
  EXPECT_EQ(s->start, 0xffffffff81002000u);
  EXPECT_EQ(s->offset, 0u);

  s = k.find(0xffffffff810023ff);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "schedule");
  EXPECT_EQ(s->offset, 0x3ffu);

  s = k.find(0xffffffff81002801);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "__schedule");
  EXPECT_EQ(s->offset, 1u);
}

TEST(SymbolizeKallsymsTest, BelowFirstSymbolIsUnresolved) {
  const KernelSymbols k = parse_fixture();
  EXPECT_FALSE(k.find(0xffffffff80ffffff));
  EXPECT_FALSE(k.find(0));
}

TEST(SymbolizeKallsymsTest, DataAfterTextEndsTheFunction) {
  const KernelSymbols k = parse_fixture();
  auto s = k.find(0xffffffff81ffffff);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "_etext");
  EXPECT_FALSE(k.find(0xffffffff82000000));  // __start_rodata (R)
  EXPECT_FALSE(k.find(0xffffffff82200010));  // inside init_task (D)
  EXPECT_FALSE(k.find(0xffffffff82300000));  // bss (B)
  // Module data ends nft_register_expr.
  ASSERT_TRUE(k.find(0xffffffffc0a02fff));
  EXPECT_FALSE(k.find(0xffffffffc0a03000));
}

TEST(SymbolizeKallsymsTest, ReportsModules) {
  const KernelSymbols k = parse_fixture();
  auto s = k.find(0xffffffffc0a01010);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "nft_do_chain");
  EXPECT_EQ(s->module, "[nf_tables]");
  EXPECT_EQ(s->offset, 0x10u);

  s = k.find(0xffffffffc0a10900);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "ext4_iget");
  EXPECT_EQ(s->module, "[ext4]");

  s = k.find(0xffffffffc0b00004);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "bpf_prog_6deef7357e7b4530_sd_fw_ingress");
  EXPECT_EQ(s->module, "[bpf]");
}

TEST(SymbolizeKallsymsTest, FixtureAliasesFollowTheRule) {
  const KernelSymbols k = parse_fixture();
  auto s = k.find(0xffffffff81000000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "_text");  // T before t; then the shorter of _stext and _text
  s = k.find(0xffffffff81002400);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "arch_cpu_idle");  // W before w
}

TEST(SymbolizeKallsymsTest, DropsPaddingSymbols) {
  const KernelSymbols k = parse_fixture();
  // __pfx_schedule at ...1ff0 is padding: the address reads as the function before.
  auto s = k.find(0xffffffff81001ff4);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "do_one_initcall");
}

TEST(SymbolizeKallsymsTest, AllZeroAddressesAreHidden) {
  auto k = KernelSymbols::parse(read_text(fixture_dir() + "/procfs_hidden/kallsyms"));
  ASSERT_FALSE(k);
  EXPECT_TRUE(KernelSymbols::is_hidden(k.error()));
  EXPECT_NE(k.error().hint.find("kptr_restrict"), std::string::npos);
}

TEST(SymbolizeKallsymsTest, NoTextIsAnErrorButNotHidden) {
  for (const char* text : {"", "garbage\n", "ffffffff82000000 D only_data\n"}) {
    auto k = KernelSymbols::parse(text);
    ASSERT_FALSE(k) << text;
    EXPECT_FALSE(KernelSymbols::is_hidden(k.error())) << text;
  }
}

TEST(SymbolizeKallsymsTest, ToleratesMissingTrailingNewlineAndCarriageReturns) {
  auto k = KernelSymbols::parse("ffffffff81000000 T a\r\nffffffff81000100 t b");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->size(), 2u);
  EXPECT_EQ(k->find(0xffffffff81000101)->name, "b");
  EXPECT_EQ(k->find(0xffffffff81000000)->name, "a");
}

TEST(SymbolizeKallsymsTest, UnsortedInputIsSorted) {
  auto k = KernelSymbols::parse(
      "ffffffffc0001000 t m1\t[mod]\n"
      "ffffffff81000200 T c\n"
      "ffffffff81000000 T a\n"
      "ffffffffc0000000 t m0\t[mod]\n"
      "ffffffff81000100 T b\n");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->find(0xffffffff81000150)->name, "b");
  EXPECT_EQ(k->find(0xffffffffc0000010)->name, "m0");
  EXPECT_EQ(k->find(0xffffffffc0000010)->module, "[mod]");
  EXPECT_EQ(k->find(0xffffffff81000250)->module, "[kernel.kallsyms]");
}

TEST(SymbolizeKallsymsTest, LoadEqualsParseAcrossChunkBoundaries) {
  // Larger than load()'s 64 KiB read size, so lines straddle reads.
  std::string text;
  char line[96];
  for (int i = 0; i < 5000; ++i) {
    std::snprintf(line, sizeof line, "%016llx %c function_number_%d%s\n",
                  0xffffffff81000000ULL + 0x40ULL * i, i % 2 ? 'T' : 't', i,
                  i >= 4000 ? "\t[somemod]" : "");
    text += line;
  }
  ASSERT_GT(text.size(), 3u * 64 * 1024);
  TempDir dir;
  write_text(dir.file("kallsyms"), text);
  auto loaded = KernelSymbols::load(dir.file("kallsyms"));
  ASSERT_TRUE(loaded) << loaded.error().line();
  auto parsed = KernelSymbols::parse(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(loaded->size(), 5000u);
  EXPECT_EQ(loaded->malformed_lines(), 0u);
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t addr = 0xffffffff81000000ULL + 0x40ULL * i + 3;
    const auto a = loaded->find(addr);
    const auto b = parsed->find(addr);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(a->name, "function_number_" + std::to_string(i));
    ASSERT_EQ(a->name, b->name);
    ASSERT_EQ(a->module, i >= 4000 ? "[somemod]" : "[kernel.kallsyms]");
    ASSERT_EQ(a->offset, 3u);
  }
  // Compact storage: far below a std::string per symbol (32 bytes + heap each).
  EXPECT_LT(loaded->memory_bytes(), 5000u * (16 + 24));
}

TEST(SymbolizeKallsymsTest, LoadMissingFileIsAnError) {
  auto k = KernelSymbols::load(fixture_dir() + "/does-not-exist/kallsyms");
  ASSERT_FALSE(k);
  EXPECT_FALSE(KernelSymbols::is_hidden(k.error()));
  EXPECT_NE(k.error().line().find("does-not-exist"), std::string::npos);
}

// The running kernel's own table: either readable with real addresses or hidden
// by kptr_restrict (unprivileged runs); both are handled, neither crashes.
TEST(SymbolizeKallsymsTest, RealKallsymsLoadsOrIsHidden) {
  auto k = KernelSymbols::load("/proc/kallsyms");
  if (!k) {
    EXPECT_TRUE(KernelSymbols::is_hidden(k.error())) << k.error().line();
    return;
  }
  EXPECT_GT(k->size(), 1000u);
  auto first = k->find(UINT64_MAX / 2 + 1);  // no kernel text sits below the top half
  EXPECT_FALSE(first);
}


// ---- aliases: the rule of kallsyms.h ----------------------------------------------

constexpr std::uint64_t kAliasAddr = 0xffffffff81000000;

// The name kept at kAliasAddr for `aliases` ("<type> <name>" each), which must be
// the same for every order of their lines; the order the lines were given in is
// reported when one disagrees.
std::string chosen(std::vector<std::string> aliases) {
  std::sort(aliases.begin(), aliases.end());
  std::string first;
  do {
    std::string text;
    for (const auto& a : aliases) text += "ffffffff81000000 " + a + "\n";
    text += "ffffffff81000100 T next_function\n";
    const auto k = KernelSymbols::parse(text);
    if (!k) return "parse failed: " + k.error().line();
    const std::string name(k->find(kAliasAddr + 4)->name);
    if (first.empty()) first = name;
    if (name != first) return "order matters: " + first + " vs " + name + " for\n" + text;
  } while (std::next_permutation(aliases.begin(), aliases.end()));
  return first;
}

// Each step below is decisive on its own: every later step would choose the other way.
TEST(KallsymsAliasTest, GlobalBeatsLocalBeatsWeak) {
  // The local one has the x64 prefix, fewer underscores, a shorter, smaller name.
  EXPECT_EQ(chosen({"T ___ia32_zzzz_global", "t __x64_a"}), "___ia32_zzzz_global");
  EXPECT_EQ(chosen({"t ___ia32_zzzz_local", "W __x64_a"}), "___ia32_zzzz_local");
  EXPECT_EQ(chosen({"W ___ia32_zzzz_weak", "w __x64_a"}), "___ia32_zzzz_weak");
  EXPECT_EQ(chosen({"T ___ia32_zzzz_global", "t b", "W a", "w __x64_"}), "___ia32_zzzz_global");
}

TEST(KallsymsAliasTest, X64PrefixBeatsOthersAndIa32LosesToThem) {
  // Same underscores; the x64 name is longer and sorts after "__i".
  EXPECT_EQ(chosen({"T __x64_sys_getppid_but_longer", "T __ia32_sys_a"}),
            "__x64_sys_getppid_but_longer");
  // Other names have fewer underscores, or are longer and sort after, and lose
  // to x64 but beat ia32.
  EXPECT_EQ(chosen({"T __x64_sys_getppid", "T sys_getppid"}), "__x64_sys_getppid");
  EXPECT_EQ(chosen({"T __ia32_sys_a", "T __jump_label_much_longer"}), "__jump_label_much_longer");
}

TEST(KallsymsAliasTest, FewerLeadingUnderscoresWin) {
  // The one-underscore name is longer and sorts after "__b" ('a' > '_').
  EXPECT_EQ(chosen({"T _a_very_long_name_zzz", "T __b"}), "_a_very_long_name_zzz");
  EXPECT_EQ(chosen({"t do_it_the_long_way", "t __do"}), "do_it_the_long_way");
}

TEST(KallsymsAliasTest, ShorterNameWins) {
  EXPECT_EQ(chosen({"T bb", "T aaa"}), "bb");
  EXPECT_EQ(chosen({"T __zz", "T __aaa"}), "__zz");
}

TEST(KallsymsAliasTest, ThenTheLexicographicallySmallerName) {
  EXPECT_EQ(chosen({"T abd", "T abc"}), "abc");
  EXPECT_EQ(chosen({"w __b", "w __a", "w __c"}), "__a");
}

TEST(KallsymsAliasTest, SyscallHandlerIsTheX64OneInAnyOrder) {
  // As /proc/kallsyms lists them on x86-64; chosen() tries all 6 orders.
  EXPECT_EQ(chosen({"t __do_sys_getppid", "T __ia32_sys_getppid", "T __x64_sys_getppid"}),
            "__x64_sys_getppid");
}

TEST(KallsymsAliasTest, DataAndPaddingAtTheAddressDoNotCount) {
  EXPECT_EQ(chosen({"D a", "t __pfx_b", "T __ia32_sys_x", "T __x64_sys_x"}), "__x64_sys_x");
}

// ---- modules, BPF programs, hidden addresses (synthetic text) ----------------------

TEST(KallsymsModulesTest, ModuleAndBpfSymbolsKeepTheirKallsymsNames) {
  auto k = KernelSymbols::parse(
      "ffffffff81000000 T _text\n"
      "ffffffff81001000 T schedule\n"
      "ffffffffc0a01000 t nft_do_chain\t[nf_tables]\n"
      "ffffffffc0a10000 t ext4_fill_super\t[ext4]\n"
      "ffffffffc0b00000 t bpf_prog_6deef7357e7b4530_sd_fw_ingress\t[bpf]\n"
      "ffffffffc0b00800 t bpf_prog_3b185187f1855c4c_profbufd_cpu_sample\t[bpf]\n"
      "ffffffffc0b01000 t bpf_trampoline_6442491234\t[bpf]\n"
      "ffffffffc0c00000 T nft_register_expr\t[nf_tables]\n");
  ASSERT_TRUE(k) << k.error().line();
  struct Want {
    std::uint64_t addr;
    const char* name;
    const char* module;
  };
  for (const Want& w : {Want{0xffffffff81001010, "schedule", "[kernel.kallsyms]"},
                        Want{0xffffffffc0a01010, "nft_do_chain", "[nf_tables]"},
                        Want{0xffffffffc0a10008, "ext4_fill_super", "[ext4]"},
                        Want{0xffffffffc0b00004, "bpf_prog_6deef7357e7b4530_sd_fw_ingress", "[bpf]"},
                        Want{0xffffffffc0b00900, "bpf_prog_3b185187f1855c4c_profbufd_cpu_sample",
                             "[bpf]"},
                        Want{0xffffffffc0b01001, "bpf_trampoline_6442491234", "[bpf]"},
                        Want{0xffffffffc0c00010, "nft_register_expr", "[nf_tables]"}}) {
    const auto s = k->find(w.addr);
    ASSERT_TRUE(s) << w.name;
    EXPECT_EQ(s->name, w.name);
    EXPECT_EQ(s->module, w.module) << w.name;
  }
}

TEST(KallsymsHiddenTest, AllZeroAddressesAreHiddenWhateverTheModule) {
  auto k = KernelSymbols::parse(
      "0000000000000000 T _text\n"
      "0000000000000000 t __x64_sys_getppid\n"
      "0000000000000000 D init_task\n"
      "0000000000000000 t nft_do_chain\t[nf_tables]\n"
      "0000000000000000 t bpf_prog_6deef7357e7b4530_sd_fw_ingress\t[bpf]\n");
  ASSERT_FALSE(k);
  EXPECT_TRUE(KernelSymbols::is_hidden(k.error()));
  EXPECT_EQ(k.error().code, ExitCode::kNoPrivilege);
  EXPECT_NE(k.error().hint.find("kptr_restrict"), std::string::npos);
}

}  // namespace
}  // namespace profbufd::symbolize
