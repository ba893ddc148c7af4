#include "capture/libbpf_log.h"

#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
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

// Opens a missing object named for `tag`, so that libbpf warns with the name.
void warn_about(const std::string& tag) {
  bpf_object__open_file(("/nonexistent/" + tag + ".bpf.o").c_str(), nullptr);
}

// The lines of `log` that name a missing object, and whether every one names
// one of `tag`'s.
std::size_t lines_naming(const LibbpfLogCapture& log, const std::string& tag, bool& only_tag) {
  std::size_t n = 0;
  only_tag = true;
  for (const std::string& l : log.lines()) {
    if (l.find("/nonexistent/") == std::string::npos) continue;
    ++n;
    if (l.find("/nonexistent/" + tag + "-") == std::string::npos) only_tag = false;
  }
  return n;
}

TEST(LibbpfLogTest, CapturesOnTwoThreadsAtOnceEachKeepTheirOwnThreadsLines) {
  constexpr int kOpens = 40;
  std::atomic<int> ready{0};
  auto run = [&](const std::string& tag, std::size_t& named, bool& only_own) {
    LibbpfLogCapture log;
    ready.fetch_add(1);
    while (ready.load() < 2) std::this_thread::yield();
    for (int i = 0; i < kOpens; ++i) warn_about(tag + "-" + std::to_string(i));
    named = lines_naming(log, tag, only_own);
    ready.fetch_add(1);
    while (ready.load() < 4) std::this_thread::yield();  // both live to the end
  };
  std::size_t named_a = 0, named_b = 0;
  bool only_a = false, only_b = false;
  std::thread a(run, "a", std::ref(named_a), std::ref(only_a));
  std::thread b(run, "b", std::ref(named_b), std::ref(only_b));
  a.join();
  b.join();
  EXPECT_GE(named_a, static_cast<std::size_t>(kOpens));
  EXPECT_GE(named_b, static_cast<std::size_t>(kOpens));
  EXPECT_TRUE(only_a) << "thread a's capture holds another thread's lines";
  EXPECT_TRUE(only_b) << "thread b's capture holds another thread's lines";
}

// Captures on two threads that end in the order they began (not nested): the
// one still live keeps capturing, and the printer from before comes back only
// when the last ends. Messages of a thread without a capture go to it meanwhile.
TEST(LibbpfLogTest, ThePreviousPrinterIsBackOnlyWhenTheLastCaptureOnAnyThreadEnds) {
  static std::atomic<int> calls{0};
  const libbpf_print_fn_t counting = [](libbpf_print_level, const char*, va_list) {
    calls.fetch_add(1);
    return 0;
  };
  const libbpf_print_fn_t before = libbpf_set_print(counting);
  auto first = std::make_unique<LibbpfLogCapture>();
  std::atomic<int> step{0};
  std::size_t named = 0;
  bool only_own = false;
  std::thread other([&] {
    LibbpfLogCapture log;
    step = 1;
    while (step.load() < 2) std::this_thread::yield();  // `first` has ended
    warn_about("late-0");
    named = lines_naming(log, "late", only_own);
  });
  while (step.load() < 1) std::this_thread::yield();
  first.reset();
  warn_about("uncaptured-0");  // this thread has no capture now
  const int while_other_lives = calls.load();
  step = 2;
  other.join();
  EXPECT_GT(while_other_lives, 0) << "a thread without a capture prints to the printer before";
  EXPECT_GE(named, 1u) << "the other thread's capture went on capturing";
  EXPECT_TRUE(only_own);
  const int after_all = calls.load();
  warn_about("after-0");
  EXPECT_GT(calls.load(), after_all) << "the printer from before is back";
  libbpf_set_print(before);
}

TEST(LibbpfLogTest, ANestedCaptureKeepsItsLinesApartFromTheOuterOnes) {
  LibbpfLogCapture outer;
  warn_about("outer-0");
  {
    LibbpfLogCapture inner;
    warn_about("inner-0");
    bool only_inner = false;
    EXPECT_GE(lines_naming(inner, "inner", only_inner), 1u);
    EXPECT_TRUE(only_inner);
  }
  warn_about("outer-1");
  bool only_outer = false;
  EXPECT_GE(lines_naming(outer, "outer", only_outer), 2u);
  EXPECT_TRUE(only_outer);
}

TEST(LibbpfLogTest, KeepsOnlyTheLastLines) {
  LibbpfLogCapture log;
  for (std::size_t i = 0; i < LibbpfLogCapture::kMaxLines + 10; ++i)
    bpf_object__open_file(("/nonexistent/" + std::to_string(i)).c_str(), nullptr);
  EXPECT_LE(log.lines().size(), LibbpfLogCapture::kMaxLines);
}

}  // namespace
}  // namespace profbufd::capture
