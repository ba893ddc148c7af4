// build_cfi_table on real binaries, checked three ways: its own invariants,
// libdw asked address by address, and readelf's reading of the same CFI.
#include "unwind/cfi_rows.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "elf_file.h"
#include "libdw_oracle.h"
#include "readelf_cfi.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::covering_rule;
using testing::LibdwOracle;
using testing::readable;
using testing::ReadelfFde;
using testing::rule;

// The binaries the tests read; python only where Debian's is installed.
std::vector<std::string> binaries() {
  std::vector<std::string> out = {testing::kLibc, testing::kGzip, testing::nofp_program(),
                                  testing::nofp_library()};
  if (readable(testing::kLibPython)) out.push_back(testing::kLibPython);
  return out;
}

// Tables are built once per binary for the whole suite.
const CfiTable& table(const std::string& path) {
  static std::map<std::string, CfiTable> cache;
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, testing::table_of(path)).first;
  return it->second;
}

std::vector<ReadelfFde> eh_fdes(const std::string& path) {
  std::vector<ReadelfFde> out;
  for (ReadelfFde& f : testing::readelf_fdes(path))
    if (f.eh && f.hi > f.lo) out.push_back(std::move(f));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.lo < b.lo; });
  return out;
}

void print_stats(const std::string& path, const CfiTable& t) {
  std::map<std::string, std::size_t> unsupported;
  for (const CfiRow& r : t.rows)
    if (r.rule.cfa_kind >= UW_CMD_BAD_CFA_REG) ++unsupported[uw_kind_name(r.rule.cfa_kind)];
  std::cout << "[ stats    ] " << path << ": " << t.rows.size() << " rows (libdw "
            << t.stats.libdw_rows << "), " << t.stats.fdes << " FDEs, " << t.stats.gap_rows
            << " gap rows, " << t.stats.unsupported << " unsupported libdw rows (table rows:";
  for (const auto& [kind, n] : unsupported) std::cout << " " << kind << " " << n;
  std::cout << "), " << t.stats.signal_fdes << " signal FDEs, " << t.stats.eh_frame_bytes
            << " B .eh_frame\n";
  ::testing::Test::RecordProperty(path + ".rows", std::to_string(t.rows.size()));
  ::testing::Test::RecordProperty(path + ".unsupported", std::to_string(t.stats.unsupported));
}

TEST(CfiRowsTest, RowsAreSortedDistinctAndEndWithAGap) {
  for (const std::string& path : binaries()) {
    SCOPED_TRACE(path);
    const CfiTable& t = table(path);
    print_stats(path, t);
    ASSERT_GT(t.rows.size(), 2u);
    EXPECT_EQ(t.rows.back().rule.cfa_kind, UW_CMD_GAP);
    EXPECT_EQ(t.stats.bad_fdes, 0u);
    EXPECT_EQ(t.stats.hostile_sections, 0u) << "a real binary's CFI was refused (unwind/cfa_scan.h)";
    EXPECT_GE(t.stats.libdw_rows + t.stats.gap_rows, t.rows.size());  // merging only removes
    std::size_t gaps = 0;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
      const uw_rule& r = t.rows[i].rule;
      EXPECT_NE(r.cfa_kind, 0) << "row " << i;
      gaps += r.cfa_kind == UW_CMD_GAP;
      if (i == 0) continue;
      ASSERT_LT(t.rows[i - 1].vaddr, t.rows[i].vaddr) << "row " << i;
      EXPECT_FALSE(same_rule(t.rows[i - 1].rule, r)) << "rows " << i - 1 << " and " << i;
    }
    EXPECT_LE(gaps, t.stats.gap_rows);
  }
}

// --- libdw, address by address -------------------------------------------------

// The end of the last FDE that ends at or below `a`, 0 if none.
std::uint64_t fde_end_before(const std::vector<ReadelfFde>& fdes, std::uint64_t a) {
  std::uint64_t end = 0;
  for (const ReadelfFde& f : fdes)
    if (f.hi <= a) end = std::max(end, f.hi);
  return end;
}

// The addresses to check: every row start, the byte after it, the byte before
// the next row, and random addresses inside FDEs.
std::vector<std::uint64_t> probe_addresses(const CfiTable& t, const std::vector<ReadelfFde>& fdes) {
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i + 1 < t.rows.size(); ++i) {
    out.push_back(t.rows[i].vaddr);
    if (t.rows[i].vaddr + 1 < t.rows[i + 1].vaddr) out.push_back(t.rows[i].vaddr + 1);
    out.push_back(t.rows[i + 1].vaddr - 1);
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    const ReadelfFde& f = fdes[rng() % fdes.size()];
    out.push_back(f.lo + rng() % (f.hi - f.lo));
  }
  return out;
}

void expect_agrees_with_libdw(const std::string& path) {
  SCOPED_TRACE(path);
  const CfiTable& t = table(path);
  const std::vector<ReadelfFde> fdes = eh_fdes(path);
  ASSERT_FALSE(fdes.empty());
  const LibdwOracle libdw(path);
  std::size_t checked = 0, failures = 0;
  for (const std::uint64_t a : probe_addresses(t, fdes)) {
    const uw_rule ours = covering_rule(t, a);
    const auto theirs = libdw.at(a);
    if (theirs) {
      ++checked;
      if (!(ours == theirs->rule) && ++failures <= 20)
        ADD_FAILURE() << std::hex << "at 0x" << a << ": table " << testing::to_string(ours)
                      << ", libdw " << testing::to_string(theirs->rule);
    } else if (ours.cfa_kind != UW_CMD_GAP) {
      // Outside every FDE only alignment padding after one may have its rule.
      const std::uint64_t end = fde_end_before(fdes, a);
      EXPECT_TRUE(end != 0 && a - end < kMaxPadding)
          << std::hex << "0x" << a << " is in no FDE but its row is " << testing::to_string(ours);
    }
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_GT(checked, t.rows.size());
}

TEST(CfiRowsTest, AgreesWithLibdwAtEveryRowAndRandomAddresses) {
  for (const std::string& path : binaries()) expect_agrees_with_libdw(path);
}

TEST(CfiRowsTest, GapRowsLieOutsideEveryFde) {
  for (const std::string& path : binaries()) {
    SCOPED_TRACE(path);
    const CfiTable& t = table(path);
    const LibdwOracle libdw(path);
    for (const CfiRow& r : t.rows)
      if (r.rule.cfa_kind == UW_CMD_GAP) {
        EXPECT_FALSE(libdw.at(r.vaddr)) << std::hex << r.vaddr;
      }
  }
}

// --- readelf, row by row -----------------------------------------------------------

void expect_agrees_with_readelf(const std::string& path) {
  SCOPED_TRACE(path);
  const CfiTable& t = table(path);
  std::size_t rows = 0, failures = 0;
  for (const ReadelfFde& f : eh_fdes(path)) {
    for (std::size_t i = 0; i < f.rows.size(); ++i) {
      const std::uint64_t lo = f.rows[i].loc;
      const std::uint64_t hi = i + 1 < f.rows.size() ? f.rows[i + 1].loc : f.hi;
      if (lo >= hi) continue;  // an empty readelf row: advance_loc 0
      ++rows;
      for (const std::uint64_t a : {lo, hi - 1}) {
        const auto why = testing::mismatch(f.rows[i], f.aug, covering_rule(t, a));
        if (why && ++failures <= 20) ADD_FAILURE() << std::hex << "at 0x" << a << ": " << *why;
      }
    }
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_GT(rows, t.rows.size() / 2);
}

TEST(CfiRowsTest, AgreesWithReadelfOnEveryRow) {
  for (const std::string& path : binaries()) expect_agrees_with_readelf(path);
}

// --- known shapes -------------------------------------------------------------------

TEST(CfiRowsTest, BigFrameHasACfaOffsetPast256KiB) {
  const std::string prog = testing::nofp_program();
  const CfiTable& t = table(prog);
  const std::uint64_t lo = testing::symbol(prog, "big_frame");
  EXPECT_EQ(covering_rule(t, lo), rule(UW_CFA_RSP, 8));
  bool big = false;
  for (const CfiRow& r : t.rows)
    if (r.vaddr > lo && r.vaddr < lo + 0x40 && r.rule.cfa_kind == UW_CFA_RSP &&
        r.rule.cfa_off > 256 * 1024)
      big = true;
  EXPECT_TRUE(big) << "no row of big_frame has CFA = RSP + more than 256 KiB";
}

void expect_plt_rows(const std::string& path) {
  SCOPED_TRACE(path);
  const testing::Section plt = testing::ElfFile(path).section(".plt");
  ASSERT_NE(plt.data, nullptr);
  ASSERT_GT(plt.size, 32u) << "no PLT entries besides PLT0";
  const CfiTable& t = table(path);
  // PLT0 pushes twice, then jumps; the entries' rule depends on where in its
  // 16 bytes RIP is (readelf --debug-dump=frames: DW_OP_lit11).
  EXPECT_EQ(covering_rule(t, plt.addr), rule(UW_CFA_RSP, 16));
  EXPECT_EQ(covering_rule(t, plt.addr + 6), rule(UW_CFA_RSP, 24));
  for (std::uint64_t a = plt.addr + 16; a < plt.addr + plt.size; ++a)
    ASSERT_EQ(covering_rule(t, a), rule(UW_CFA_PLT, 11)) << std::hex << a;
}

TEST(CfiRowsTest, PltEntriesGetThePltRule) {
  expect_plt_rows(testing::kGzip);
  expect_plt_rows(testing::nofp_program());
}

TEST(CfiRowsTest, SignalTrampolineOfLibcGetsTheSignalCommand) {
  const CfiTable& t = table(testing::kLibc);
  std::size_t signal_fdes = 0;
  for (const ReadelfFde& f : eh_fdes(testing::kLibc)) {
    if (f.aug.find('S') == std::string::npos) continue;
    ++signal_fdes;
    for (std::uint64_t a = f.lo; a < f.hi; ++a)
      EXPECT_EQ(covering_rule(t, a).cfa_kind, UW_CMD_SIGNAL) << std::hex << a;
  }
  EXPECT_EQ(signal_fdes, 1u) << "__restore_rt";
  EXPECT_EQ(t.stats.signal_fdes, signal_fdes);
}

// Where the kernel returns from a signal handler in this process: the
// sa_restorer glibc's sigaction() installs (__restore_rt), as an ELF vaddr of
// the libc it lies in.
std::uint64_t restorer_vaddr(std::string& object) {
  struct KernelSigaction {
    void* handler;
    unsigned long flags;
    void* restorer;
    std::uint64_t mask;
  };
  struct sigaction sa {}, old {};
  sa.sa_handler = [](int) {};
  EXPECT_EQ(::sigaction(SIGUSR2, &sa, &old), 0);
  KernelSigaction k{};
  EXPECT_EQ(::syscall(SYS_rt_sigaction, SIGUSR2, nullptr, &k, sizeof k.mask), 0);
  ::sigaction(SIGUSR2, &old, nullptr);
  Dl_info info{};
  EXPECT_NE(::dladdr(k.restorer, &info), 0);
  object = info.dli_fname != nullptr ? info.dli_fname : "";
  link_map* lm = nullptr;
  ::dladdr1(k.restorer, &info, reinterpret_cast<void**>(&lm), RTLD_DL_LINKMAP);
  return reinterpret_cast<std::uint64_t>(k.restorer) - (lm != nullptr ? lm->l_addr : 0);
}

TEST(CfiRowsTest, TheKernelsSignalReturnAddressIsInTheSignalRow) {
  std::string object;
  const std::uint64_t vaddr = restorer_vaddr(object);
  ASSERT_EQ(std::filesystem::canonical(object), std::filesystem::canonical(testing::kLibc));
  // The walker looks up return addresses at pc - 1; the FDE starts one byte
  // early for that reason.
  EXPECT_EQ(covering_rule(table(testing::kLibc), vaddr).cfa_kind, UW_CMD_SIGNAL);
  EXPECT_EQ(covering_rule(table(testing::kLibc), vaddr - 1).cfa_kind, UW_CMD_SIGNAL);
}

// FDEs whose return address readelf shows undefined: the outermost frames.
std::vector<ReadelfFde> entry_fdes(const std::string& path) {
  std::vector<ReadelfFde> out;
  for (const ReadelfFde& f : eh_fdes(path))
    if (!f.rows.empty() && f.rows.back().regs.count("ra") && f.rows.back().regs.at("ra") == "u")
      out.push_back(f);
  return out;
}

TEST(CfiRowsTest, StartOfAPieIsAStopRow) {
  const std::string prog = testing::nofp_program();
  const std::uint64_t start = testing::symbol(prog, "_start");
  const CfiTable& t = table(prog);
  EXPECT_EQ(covering_rule(t, start).cfa_kind, UW_CMD_STOP);
  EXPECT_EQ(covering_rule(t, start + 1).cfa_kind, UW_CMD_STOP);
  const auto entries = entry_fdes(prog);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].lo, start);
}

TEST(CfiRowsTest, ThreadEntryPointsOfLibcAreStopRows) {
  // clone and clone3: the child's code after the syscall undefines RIP.
  const CfiTable& t = table(testing::kLibc);
  const auto entries = entry_fdes(testing::kLibc);
  ASSERT_GE(entries.size(), 2u);
  for (const ReadelfFde& f : entries) {
    const std::uint64_t from = f.rows.back().loc;
    for (std::uint64_t a = from; a < f.hi; ++a)
      EXPECT_EQ(covering_rule(t, a).cfa_kind, UW_CMD_STOP) << std::hex << a;
  }
}

}  // namespace
}  // namespace profbufd::unwind
