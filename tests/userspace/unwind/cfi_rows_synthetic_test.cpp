// build_cfi_table on assembled fixtures whose CFI is known byte for byte: how
// rows are merged, holes between FDEs, .debug_frame, unreadable FDEs, and the
// other ways a binary can present its CFI.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "unwind/cfa_scan.h"
#include "unwind/cfi_rows.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::asm_function;
using testing::covering_rule;
using testing::rule;
using testing::symbol;
using testing::TempDir;

// push/pop: three rows (rsp+8, rsp+16, rsp+8).
const char* kPushPop = "\tpush %rbx\n\t.cfi_def_cfa_offset 16\n\tpop %rbx\n"
                       "\t.cfi_def_cfa_offset 8\n\tret\n";

struct Row {
  std::uint64_t vaddr;
  uw_rule rule;
  bool operator==(const Row& o) const { return vaddr == o.vaddr && same_rule(rule, o.rule); }
};

void PrintTo(const Row& r, std::ostream* os) {
  *os << std::hex << "0x" << r.vaddr << " " << testing::to_string(r.rule);
}

std::vector<Row> rows(const CfiTable& t) {
  std::vector<Row> out;
  for (const CfiRow& r : t.rows) out.push_back(Row{r.vaddr, r.rule});
  return out;
}

TEST(CfiRowsSyntheticTest, MergesEqualNeighboursAndFillsOnlyShortHoles) {
  TempDir dir;
  // a, 15 bytes of padding, b (starting with a's last rule), 16 bytes, c.
  const std::string so = testing::assemble(
      dir, "holes.so",
      "\t.text\n" + asm_function("fa", kPushPop) + "\t.skip 15\n" + asm_function("fb", kPushPop) +
          "\t.skip 16\n" + asm_function("fc", "\tnop\n\tret\n"));
  const CfiTable t = testing::table_of(so);
  const std::uint64_t a = symbol(so, "fa"), b = symbol(so, "fb"), c = symbol(so, "fc");
  ASSERT_EQ(b, symbol(so, "fa_end") + 15);
  ASSERT_EQ(c, symbol(so, "fb_end") + 16);
  const uw_rule rsp8 = rule(UW_CFA_RSP, 8), rsp16 = rule(UW_CFA_RSP, 16), gap = rule(UW_CMD_GAP);
  const std::vector<Row> expected = {
      {a, rsp8}, {a + 1, rsp16}, {a + 2, rsp8},  // padding and b's first row merge into it
      {b + 1, rsp16}, {b + 2, rsp8},
      {symbol(so, "fb_end"), gap},  // a hole of 16 bytes is not padding
      {c, rsp8},
      {symbol(so, "fc_end"), gap},
  };
  EXPECT_EQ(rows(t), expected);
  EXPECT_EQ(t.stats.fdes, 3u);
  EXPECT_EQ(t.stats.gap_rows, 2u);
  EXPECT_EQ(t.stats.libdw_rows, 7u);
  EXPECT_EQ(t.stats.unsupported, 0u);
}

TEST(CfiRowsSyntheticTest, UsesDebugFrameWhereEhFrameHasNoFde) {
  TempDir dir;
  const std::string so = testing::assemble(
      dir, "mixed.so",
      {"\t.text\n" + asm_function("in_eh", kPushPop),
       "\t.cfi_sections .debug_frame\n\t.text\n" +
           asm_function("in_debug", "\tsub $40, %rsp\n\t.cfi_def_cfa_offset 48\n"
                                    "\tadd $40, %rsp\n\t.cfi_def_cfa_offset 8\n\tret\n")});
  const CfiTable t = testing::table_of(so);
  EXPECT_GT(t.stats.eh_frame_bytes, 0u);
  EXPECT_GT(t.stats.debug_frame_bytes, 0u);
  EXPECT_EQ(t.stats.fdes, 2u);
  const std::uint64_t d = symbol(so, "in_debug");
  EXPECT_EQ(covering_rule(t, symbol(so, "in_eh") + 1), rule(UW_CFA_RSP, 16));
  EXPECT_EQ(covering_rule(t, d), rule(UW_CFA_RSP, 8));
  EXPECT_EQ(covering_rule(t, d + 4), rule(UW_CFA_RSP, 48));
  EXPECT_EQ(covering_rule(t, symbol(so, "in_debug_end")).cfa_kind, UW_CMD_GAP);
}

// Regression test (fixed in userspace/unwind/cfi_rows.cpp, all_rows/fde_rows): an FDE libdw
// cannot read adds no row, not even a GAP, so its code is covered by the row
// before it: here bad's bytes get good1's CFA = RSP + 16, and the walker
// would unwind bad's frames with another function's rule instead of falling
// back to frame pointers.
TEST(CfiRowsSyntheticTest, AnUnreadableFdeIsAGapNotItsNeighboursRule) {
  TempDir dir;
  // 0x3f is no DW_CFA_* opcode: libdw cannot run bad's instructions.
  const std::string so = testing::assemble(
      dir, "bad.so",
      "\t.text\n" + asm_function("good1", "\tpush %rbx\n\t.cfi_def_cfa_offset 16\n\tnop\n") +
          asm_function("bad", "\t.cfi_escape 0x3f\n\tnop\n\tnop\n") +
          asm_function("good2", "\tnop\n\tret\n"));
  const CfiTable t = testing::table_of(so);
  EXPECT_EQ(t.stats.bad_fdes, 1u);
  const std::uint64_t bad = symbol(so, "bad");
  EXPECT_EQ(covering_rule(t, bad - 1), rule(UW_CFA_RSP, 16));
  EXPECT_EQ(covering_rule(t, bad).cfa_kind, UW_CMD_GAP);
  EXPECT_EQ(covering_rule(t, bad + 1).cfa_kind, UW_CMD_GAP);
  EXPECT_EQ(covering_rule(t, symbol(so, "good2")), rule(UW_CFA_RSP, 8));
}

// Regression test (fixed in userspace/unwind/cfa_scan.cpp; found by
// tests/fuzz/cfi_table_fuzz.cpp): libdw sizes its register state by the
// highest register a CFA program names, so DW_CFA_offset_extended of register
// 2^26 made it allocate a gigabyte per copy of that state. Such a section is
// refused whole, and its code left to frame pointers.
TEST(CfiRowsSyntheticTest, AHugeRegisterNumberRefusesTheSection) {
  TempDir dir;
  // 0x05 DW_CFA_offset_extended, register uleb128 0x4000000, offset 1.
  const std::string so = testing::assemble(
      dir, "hostile.so",
      "\t.text\n" + asm_function("good", kPushPop) +
          asm_function("evil", "\t.cfi_escape 0x05, 0x80, 0x80, 0x80, 0x20, 0x01\n\tnop\n"));
  const CfiTable t = testing::table_of(so);
  EXPECT_EQ(t.stats.hostile_sections, 1u);
  EXPECT_TRUE(t.rows.empty()) << "rows of a refused section";
}

TEST(CfiRowsSyntheticTest, DeepRememberStateRefusesTheSection) {
  TempDir dir;
  std::string body;
  for (unsigned i = 0; i <= kMaxRememberDepth; ++i) body += "\t.cfi_remember_state\n";
  const std::string so = testing::assemble(
      dir, "deep.so", "\t.text\n" + asm_function("deep", body + "\tnop\n"));
  EXPECT_EQ(testing::table_of(so).stats.hostile_sections, 1u);
  // As deep as real code goes, and register numbers up to the limit, are fine.
  std::string ok = "\t.cfi_remember_state\n\t.cfi_remember_state\n\t.cfi_restore_state\n"
                   "\t.cfi_restore_state\n\t.cfi_escape 0x05, 0xff, 0x01, 0x01\n";
  const std::string fine = testing::assemble(
      dir, "fine.so", "\t.text\n" + asm_function("fine", ok + "\tnop\n"));
  const CfiTable t = testing::table_of(fine);
  EXPECT_EQ(t.stats.hostile_sections, 0u);
  EXPECT_FALSE(t.rows.empty());
}

// Regression test (fixed in userspace/unwind/cfi_rows.cpp, find_sections): only SHT_PROGBITS
// sections are looked at, so a binary whose .eh_frame is SHT_X86_64_UNWIND
// (GNU ld keeps that type from objects LLVM or `as` made so: clang and Rust
// binaries) gets an empty table, and the walker never has rows for it.
TEST(CfiRowsSyntheticTest, ReadsEhFrameOfTypeX8664Unwind) {
  // GNU ld keeps the section type of its inputs: objects from LLVM (and GNU as
  // told so) give .eh_frame the type SHT_X86_64_UNWIND instead of PROGBITS.
  TempDir dir;
  const std::string body = "\t.text\n" + asm_function("f", kPushPop);
  const std::string progbits = testing::assemble(dir, "progbits.so", body);
  const std::string unwind =
      testing::assemble(dir, "unwind.so", "\t.section .eh_frame,\"a\",@unwind\n" + body);
  const auto type = testing::run("readelf -SW '" + unwind + "' | grep ' .eh_frame '");
  ASSERT_TRUE(type && type->find("X86_64_UNWIND") != std::string::npos) << type.value_or("");
  const CfiTable expected = testing::table_of(progbits);
  ASSERT_EQ(expected.rows.size(), 4u);
  EXPECT_EQ(rows(testing::table_of(unwind)), rows(expected));
}

TEST(CfiRowsSyntheticTest, ABinaryWithoutCfiHasAnEmptyTable) {
  TempDir dir;
  const std::string so =
      testing::assemble(dir, "nocfi.so", "\t.text\n\t.globl f\nf:\n\tret\n");
  const CfiTable t = testing::table_of(so);
  EXPECT_TRUE(t.rows.empty());
  EXPECT_EQ(t.stats.fdes, 0u);
}

TEST(CfiRowsSyntheticTest, NotAnElfFileIsAnError) {
  TempDir dir;
  const std::string path = dir.file("text", "not an ELF file at all");
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(build_cfi_table_fd(fd, path));
  ::close(fd);
  const std::string bytes = "\x7f" "ELF garbage";
  EXPECT_FALSE(build_cfi_table_image(
      {reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()}, "image"));
}

TEST(CfiRowsSyntheticTest, AnImageInMemoryGivesTheSameTableAsItsFile) {
  std::ifstream in(testing::kLibc, std::ios::binary);
  const std::vector<char> image((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  ASSERT_GT(image.size(), 1u << 20);
  auto t = build_cfi_table_image(
      {reinterpret_cast<const std::byte*>(image.data()), image.size()}, "libc image");
  ASSERT_TRUE(t) << t.error().line();
  EXPECT_EQ(rows(*t), rows(testing::table_of(testing::kLibc)));
}

}  // namespace
}  // namespace profbufd::unwind
