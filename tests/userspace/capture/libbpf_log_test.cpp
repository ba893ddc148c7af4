#include "capture/libbpf_log.h"

#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace profbufd::capture {
namespace {

using Lines = std::vector<std::string>;

TEST(LibbpfLogTest, PicksTheFirstComplaintNotItsConsequences) {
  const Lines lines = {
      "libbpf: loading object 'profbufd_bpf' from buffer",
      "libbpf: map 'samples': failed to create: Invalid argument(-22)",
      "libbpf: failed to load object 'profbufd_bpf'",
  };
  EXPECT_EQ(LibbpfLogCapture::pick_relevant(lines), lines[1]);
}

TEST(LibbpfLogTest, AppendsTheVerifiersReason) {
  const Lines lines = {
      "libbpf: prog 'on_cpu_clock': BPF program load failed: Permission denied",
      "libbpf: prog 'on_cpu_clock': -- BEGIN PROG LOAD LOG --",
      "0: R1=ctx(off=0,imm=0) R10=fp0",
      "; s->frames[k] = 1;",
      "12: (7b) *(u64 *)(r1 +48) = r2",
      "R1 invalid mem access 'scalar'",
      "processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1",
      "-- END PROG LOAD LOG --",
      "libbpf: prog 'on_cpu_clock': failed to load: -13",
      "libbpf: failed to load object 'profbufd_bpf'",
  };
  EXPECT_EQ(LibbpfLogCapture::pick_relevant(lines),
            "libbpf: prog 'on_cpu_clock': BPF program load failed: Permission denied"
            " / verifier: R1 invalid mem access 'scalar'");
}

TEST(LibbpfLogTest, FallsBackToTheLastNonEmptyLine) {
  EXPECT_EQ(LibbpfLogCapture::pick_relevant({"libbpf: one", "libbpf: two", "  "}),
            "libbpf: two");
  EXPECT_EQ(LibbpfLogCapture::pick_relevant({}), "");
}

TEST(LibbpfLogTest, CapturesLibbpfWarningsInsteadOfPrinting) {
  LibbpfLogCapture log;
  // Opening a missing object file makes libbpf warn; needs no privilege.
  bpf_object* obj = bpf_object__open_file("/nonexistent/profbufd.bpf.o", nullptr);
  EXPECT_EQ(obj, nullptr);
  const Lines lines = log.lines();
  ASSERT_FALSE(lines.empty());
  const std::string rel = log.relevant_line();
  EXPECT_NE(rel.find("/nonexistent/profbufd.bpf.o"), std::string::npos) << rel;
  for (const auto& l : lines) EXPECT_EQ(l.find('\n'), std::string::npos);
}

TEST(LibbpfLogTest, EachCaptureStartsEmptyAndRestoresThePreviousPrinter) {
  {
    LibbpfLogCapture log;
    bpf_object__open_file("/nonexistent/a.bpf.o", nullptr);
    EXPECT_FALSE(log.lines().empty());
  }
  static int calls = 0;
  const libbpf_print_fn_t counting = [](libbpf_print_level, const char*, va_list) {
    ++calls;
    return 0;
  };
  const libbpf_print_fn_t before = libbpf_set_print(counting);
  {
    LibbpfLogCapture log;
    EXPECT_TRUE(log.lines().empty());
    bpf_object__open_file("/nonexistent/b.bpf.o", nullptr);
    EXPECT_FALSE(log.lines().empty());
  }
  EXPECT_EQ(calls, 0);  // the capture swallowed it
  bpf_object__open_file("/nonexistent/c.bpf.o", nullptr);
  EXPECT_GT(calls, 0);  // the previous printer is back
  libbpf_set_print(before);
}

TEST(LibbpfLogTest, KeepsOnlyTheLastLines) {
  LibbpfLogCapture log;
  for (std::size_t i = 0; i < LibbpfLogCapture::kMaxLines + 10; ++i)
    bpf_object__open_file(("/nonexistent/" + std::to_string(i)).c_str(), nullptr);
  EXPECT_LE(log.lines().size(), LibbpfLogCapture::kMaxLines);
}

}  // namespace
}  // namespace profbufd::capture
