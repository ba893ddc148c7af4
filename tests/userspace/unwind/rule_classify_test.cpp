// classify() on real Dwarf_Frames: libdw's frames of an assembled fixture
// with one hand-written CFI rule per function (every shape the walker
// supports and the ones it must refuse), and of the real binaries.
#include "unwind/rule_classify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "elf_file.h"
#include "libdw_oracle.h"
#include "unwind_test_util.h"

namespace profbufd::unwind {
namespace {

using testing::LibdwOracle;
using testing::rule;
using testing::TempDir;

struct Case {
  const char* name;
  const char* cfi;  // directives after the function's first instruction
  uw_rule expected;
};

const uw_rule kBadReg = rule(UW_CMD_BAD_CFA_REG), kBadExpr = rule(UW_CMD_BAD_CFA_EXPR),
              kBadRa = rule(UW_CMD_BAD_RA), kStop = rule(UW_CMD_STOP),
              kSignal = rule(UW_CMD_SIGNAL);

// DW_CFA_def_cfa_expression (0x0f), its length, then DW_OP_*: breg7 (rsp) 0x77,
// breg6 (rbp) 0x76, breg10 0x7a, breg16 (rip) 0x80, bregx 0x92, deref 0x06,
// lit3/8/10/11/12/15 0x33/0x38/0x3a/0x3b/0x3c/0x3f, and 0x1a, ge 0x2a, shl 0x24, plus 0x22.
const std::vector<Case> kCases = {
    {"entry", "", rule(UW_CFA_RSP, 8)},
    {"rsp_offset", ".cfi_def_cfa_offset 24", rule(UW_CFA_RSP, 24)},
    {"rbp_frame", ".cfi_def_cfa_offset 16\n.cfi_offset %rbp, -16\n.cfi_def_cfa_register %rbp",
     rule(UW_CFA_RBP, 16, UW_RBP_CFA_OFF, -16)},
    {"cfa_in_r10", ".cfi_def_cfa %r10, 0", kBadReg},
    {"deref_rsp", ".cfi_escape 0x0f,0x03,0x77,0x08,0x06", rule(UW_CFA_DEREF_RSP, 8)},
    {"deref_rbp", ".cfi_escape 0x0f,0x03,0x76,0x78,0x06", rule(UW_CFA_DEREF_RBP, -8)},
    {"deref_bregx", ".cfi_escape 0x0f,0x04,0x92,0x07,0x10,0x06", rule(UW_CFA_DEREF_RSP, 16)},
    {"plain_bregx", ".cfi_escape 0x0f,0x03,0x92,0x07,0x18", rule(UW_CFA_RSP, 24)},
    {"expr_breg7", ".cfi_escape 0x0f,0x02,0x77,0x20", rule(UW_CFA_RSP, 32)},
    {"plt_lit11",
     ".cfi_escape 0x0f,0x0b,0x77,0x08,0x80,0x00,0x3f,0x1a,0x3b,0x2a,0x33,0x24,0x22",
     rule(UW_CFA_PLT, 11)},
    {"plt_lit10",
     ".cfi_escape 0x0f,0x0b,0x77,0x08,0x80,0x00,0x3f,0x1a,0x3a,0x2a,0x33,0x24,0x22",
     rule(UW_CFA_PLT, 10)},
    {"plt_lit12",
     ".cfi_escape 0x0f,0x0b,0x77,0x08,0x80,0x00,0x3f,0x1a,0x3c,0x2a,0x33,0x24,0x22", kBadExpr},
    {"plt_from_rbp",
     ".cfi_escape 0x0f,0x0b,0x76,0x08,0x80,0x00,0x3f,0x1a,0x3b,0x2a,0x33,0x24,0x22", kBadExpr},
    {"deref_r10", ".cfi_escape 0x0f,0x03,0x7a,0x00,0x06", kBadExpr},
    {"rsp_plus_lit", ".cfi_escape 0x0f,0x04,0x77,0x08,0x38,0x22", kBadExpr},
    {"largest_offset", ".cfi_def_cfa_offset 0x7fffffff", rule(UW_CFA_RSP, 0x7fffffff)},
    {"offset_past_32_bits", ".cfi_def_cfa_offset 0x80000000", kBadExpr},
    {"deref_past_32_bits", ".cfi_escape 0x0f,0x07,0x77,0x80,0x80,0x80,0x80,0x08,0x06", kBadExpr},
    {"ra_undefined", ".cfi_undefined %rip", kStop},
    {"ra_undefined_bad_cfa", ".cfi_def_cfa %r10, 0\n.cfi_undefined %rip", kStop},
    {"ra_elsewhere", ".cfi_offset %rip, -16", kBadRa},
    {"ra_in_register", ".cfi_register %rip, %rax", kBadRa},
    {"rbp_undefined", ".cfi_undefined %rbp", rule(UW_CFA_RSP, 8, UW_RBP_UNDEF)},
    {"rbp_same_again", ".cfi_offset %rbp, -16\n.cfi_same_value %rbp", rule(UW_CFA_RSP, 8)},
    {"rbp_in_register", ".cfi_register %rbp, %rbx", rule(UW_CFA_RSP, 8, UW_RBP_BAD)},
    {"rbp_value", ".cfi_val_offset %rbp, -16", rule(UW_CFA_RSP, 8, UW_RBP_BAD)},
    {"rbp_expression", ".cfi_escape 0x10,0x06,0x02,0x77,0x10", rule(UW_CFA_RSP, 8, UW_RBP_BAD)},
    {"rbp_at_cfa", ".cfi_offset %rbp, 0", rule(UW_CFA_RSP, 8, UW_RBP_CFA_OFF, 0)},
    {"rbp_above_cfa", ".cfi_offset %rbp, 16", rule(UW_CFA_RSP, 8, UW_RBP_CFA_OFF, 16)},
    {"rbp_lowest", ".cfi_offset %rbp, -32768", rule(UW_CFA_RSP, 8, UW_RBP_CFA_OFF, -32768)},
    {"rbp_too_far", ".cfi_offset %rbp, -32776", rule(UW_CFA_RSP, 8, UW_RBP_BAD)},
    {"signal", ".cfi_signal_frame\n.cfi_def_cfa %r10, 0", kSignal},
};

// One function per case: a nop, the case's directives, then `<name>_at`.
std::string fixture_source() {
  std::string s = "\t.text\n";
  for (const Case& c : kCases)
    s += testing::asm_function(c.name, std::string("\tnop\n") + c.cfi + "\n" + c.name +
                                           "_at:\n\tnop\n\tret\n");
  return s;
}

class UnwindRuleClassifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    so_ = new std::string(testing::assemble(*dir_, "rules.so", fixture_source()));
  }
  static void TearDownTestSuite() {
    delete so_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::string* so_;
};
TempDir* UnwindRuleClassifyTest::dir_ = nullptr;
std::string* UnwindRuleClassifyTest::so_ = nullptr;

TEST_F(UnwindRuleClassifyTest, EveryHandWrittenRule) {
  const LibdwOracle libdw(*so_);
  for (const Case& c : kCases) {
    const std::uint64_t at = testing::symbol(*so_, std::string(c.name) + "_at");
    const auto got = libdw.at(at);
    ASSERT_TRUE(got) << c.name << ": libdw has no frame";
    EXPECT_EQ(got->rule, c.expected) << c.name;
  }
}

TEST_F(UnwindRuleClassifyTest, TheRuleBeforeTheDirectivesIsTheCies) {
  const LibdwOracle libdw(*so_);
  for (const Case& c : kCases) {
    if (std::string(c.name) == "signal") continue;  // the whole FDE is a trampoline
    const auto got = libdw.at(testing::symbol(*so_, c.name));
    ASSERT_TRUE(got) << c.name;
    EXPECT_EQ(got->rule, rule(UW_CFA_RSP, 8)) << c.name;
  }
}

TEST_F(UnwindRuleClassifyTest, ASignalFrameIsASignalCommandWhateverItsRules) {
  const LibdwOracle libdw(*so_);
  const auto at = libdw.at(testing::symbol(*so_, "signal"));
  ASSERT_TRUE(at);
  EXPECT_TRUE(at->signal);
  EXPECT_EQ(at->rule, kSignal);
  EXPECT_EQ(libdw.classify_as(testing::symbol(*so_, "rbp_frame_at"), true), kSignal);
}

TEST(UnwindRuleClassifyRealTest, FramesOfTheNoFramePointerFixture) {
  const std::string prog = testing::nofp_program();
  const LibdwOracle libdw(prog);
  const auto at = [&](std::uint64_t a) {
    const auto r = libdw.at(a);
    if (!r) throw std::runtime_error("no frame");
    return r->rule;
  };
  EXPECT_EQ(at(testing::symbol(prog, "main")), rule(UW_CFA_RSP, 8));
  EXPECT_EQ(at(testing::symbol(prog, "_start")), kStop);
  const testing::Section plt = testing::ElfFile(prog).section(".plt");
  EXPECT_EQ(at(plt.addr + 16), rule(UW_CFA_PLT, 11));
  // big_frame allocates its 256 KiB within its first instructions.
  const std::uint64_t big = testing::symbol(prog, "big_frame");
  std::int32_t largest = 0;
  for (std::uint64_t a = big; a < big + 16; ++a)
    if (at(a).cfa_kind == UW_CFA_RSP) largest = std::max(largest, at(a).cfa_off);
  EXPECT_GT(largest, 256 * 1024);
}

}  // namespace
}  // namespace profbufd::unwind
