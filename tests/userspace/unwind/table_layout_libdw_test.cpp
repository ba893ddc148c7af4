// lookup() on the tables of real Debian binaries against libdw asked address
// by address (dwarf_cfi_addrframe: the libdw oracle), at every row start and
// at random addresses; and the walker's search over the packed rows the store
// wrote into the (fake) maps against lookup().
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "fake_walker.h"
#include "libdw_oracle.h"
#include "store_fixture.h"
#include "synthetic_table.h"
#include "unwind/table_layout.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::LibdwOracle;

const std::vector<std::string>& binaries() {
  static const std::vector<std::string> paths = {testing::kLibc, testing::kPython311};
  return paths;
}

struct Binary {
  CfiTable table;
  TableLayout layout;
};

// Built once per binary for the whole suite.
const Binary& binary(const std::string& path) {
  static std::map<std::string, Binary> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  Binary b{testing::table_of(path), {}};
  auto l = lay_out(b.table);
  if (!l) throw std::runtime_error(l.error().line());
  b.layout = std::move(l).value();
  return cache.emplace(path, std::move(b)).first->second;
}

// Every row start, the byte before it, and `random` addresses of the table.
std::vector<std::uint64_t> probes(const TableLayout& l, int random) {
  std::vector<std::uint64_t> out;
  for (std::size_t p = 0; p < l.pages.size(); ++p)
    for (std::uint32_t i = 0; i < l.pages[p].n_rows; ++i) {
      const std::uint64_t v = l.base + (p << UW_PAGE_BITS) + (l.rows[l.pages[p].first_row + i] & 0xfff);
      out.push_back(v);
      out.push_back(v - 1);
    }
  std::mt19937_64 rng(42);
  for (int i = 0; i < random; ++i) out.push_back(l.base + rng() % (l.end - l.base));
  return out;
}

// Where libdw has no FDE, the table says GAP, or the address is alignment
// padding after an FDE and has that FDE's last rule.
bool padding_rule(const LibdwOracle& libdw, std::uint64_t a, const uw_rule& r) {
  for (std::uint64_t d = 1; d <= kMaxPadding && d <= a; ++d)
    if (const auto before = libdw.at(a - d)) return before->end <= a && before->rule == r;
  return false;
}

TEST(TableLayoutLibdwTest, LookupEqualsLibdwAtEveryRowStartAndRandomAddresses) {
  for (const std::string& path : binaries()) {
    SCOPED_TRACE(path);
    const TableLayout& l = binary(path).layout;
    const LibdwOracle libdw(path);
    std::size_t matched = 0, failures = 0;
    for (const std::uint64_t a : probes(l, 20000)) {
      const auto ours = lookup(l, a);
      const auto theirs = libdw.at(a);
      const bool ok = theirs ? ours && *ours == theirs->rule
                             : !ours || ours->cfa_kind == UW_CMD_GAP ||
                                   padding_rule(libdw, a, *ours);
      matched += theirs && ok;
      if (!ok && ++failures <= 10)
        ADD_FAILURE() << std::hex << "at 0x" << a << ": lookup "
                      << (ours ? testing::to_string(*ours) : "none") << ", libdw "
                      << (theirs ? testing::to_string(theirs->rule) : "no FDE");
    }
    EXPECT_EQ(failures, 0u);
    EXPECT_GT(matched, l.rows.size());
  }
}

TEST(TableLayoutLibdwTest, OutsideTheTableNeitherLookupNorLibdwHasARule) {
  for (const std::string& path : binaries()) {
    SCOPED_TRACE(path);
    const TableLayout& l = binary(path).layout;
    const LibdwOracle libdw(path);
    for (const std::uint64_t a : {l.end, l.end + 1, l.end + 0x10000}) {
      EXPECT_EQ(lookup(l, a), std::nullopt) << std::hex << a;
      EXPECT_FALSE(libdw.at(a)) << std::hex << a;
    }
    EXPECT_EQ(lookup(l, l.base - 1), std::nullopt);
  }
}

TEST(TableLayoutLibdwTest, TheWalkersSearchOverTheWrittenMapsEqualsLookup) {
  testing::StoreFixture f({512, 16384, 8192});
  // A table first, so the binaries' rows, pages and rules do not start at 0.
  f.load("filler", testing::dense_table(0x1000, 1500, 4));
  for (const std::string& path : binaries()) {
    SCOPED_TRACE(path);
    const TableLayout& l = binary(path).layout;
    const std::uint32_t bin = f.load(path, binary(path).table);
    EXPECT_GT(f.io.bin(bin).row_first, 0u);
    EXPECT_GT(f.io.bin(bin).rule_first, 0u);
    std::size_t failures = 0;
    for (const std::uint64_t a : probes(l, 20000)) {
      const auto want = lookup(l, a);
      const testing::WalkResult got = testing::walk_bin(f.io, bin, a);
      const bool ok = want ? got.what == testing::Walk::kRule && got.rule == *want
                           : got.what == testing::Walk::kNoTable;
      if (!ok && ++failures <= 10)
        ADD_FAILURE() << std::hex << "at 0x" << a << ": lookup "
                      << (want ? testing::to_string(*want) : "none") << ", walker "
                      << static_cast<int>(got.what) << " " << testing::to_string(got.rule);
    }
    EXPECT_EQ(failures, 0u);
  }
}

}  // namespace
}  // namespace profbufd::unwind
