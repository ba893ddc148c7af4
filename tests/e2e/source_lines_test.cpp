// End to end: source lines and inlined calls from DWARF, read by the real
// consumers. inline_chain spends its time in inner(), inlined into middle(),
// inlined into spin() (tests/programs/inline_chain.c, built with -g). Its
// samples must carry that chain with the right file and lines in the JSON
// profile; `go tool pprof` must show the lines (-lines), the annotated source
// (-list) and its web UI (-http). Needs root and BTF.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "gate.h"
#include "http/cpp_httplib.h"
#include "subprocess.h"
#include "tools.h"
#include "unwind_profile.h"
#include "unwind_session.h"

namespace profbufd::e2e::unwind {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMinSamples = 300;  // of ~2000 at 499 Hz for 4 s on an idle CPU

std::string source_path() {
  return std::filesystem::absolute("tests/programs/inline_chain.c").string();
}

// The line of inline_chain.c holding `marker`, counted from 1.
std::int64_t marker_line(const std::string& marker) {
  std::istringstream in(slurp(source_path()));
  std::int64_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.find(marker) != std::string::npos) return n;
  }
  return 0;
}

// Whether the leaf frame is spin() with inner() inlined in middle() inlined
// in it, at the marked lines of inline_chain.c.
bool has_inline_chain(const Stack& st) {
  if (st.user.empty() || st.user[0].function != "spin") return false;
  const Frame& f = st.user[0];
  static const std::int64_t inner = marker_line("LINE-INNER"),
                            middle = marker_line("LINE-MIDDLE-CALL"),
                            spin = marker_line("LINE-SPIN-CALL");
  return f.inlined.size() == 2 && f.inlined[0].function == "inner" &&
         f.inlined[0].line == inner && f.inlined[0].file == source_path() &&
         f.inlined[1].function == "middle" && f.inlined[1].line == middle &&
         f.line == spin && f.file == source_path();
}

// The flat (column 0) or cum (1) count `go tool pprof -list ^FN$` shows on
// the source line holding `marker`; 0 when shown as "." or not at all.
long listed(const std::string& file, const std::string& fn, const std::string& marker,
            int column) {
  const auto list = go_pprof({"-list", "^" + fn + "$", "-sample_index=samples", file});
  EXPECT_EQ(list.status, 0) << list.out << list.err;
  EXPECT_NE(list.out.find("ROUTINE ======================== " + fn), std::string::npos)
      << list.out;
  std::istringstream rows(list.out);
  for (std::string row; std::getline(rows, row);) {
    if (row.find(marker) == std::string::npos) continue;
    std::istringstream f(row);
    std::string value[2];
    f >> value[0] >> value[1];
    return value[column] == "." ? 0 : std::atol(value[column].c_str());
  }
  ADD_FAILURE() << marker << " not in\n" << list.out;
  return 0;
}

class SourceLinesE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    PROFBUFD_REQUIRE_BPF_OR_SKIP();
    ASSERT_TRUE(std::filesystem::exists(source_path())) << "run from the repository root";
    spinner_ = std::make_unique<Subprocess>(
        std::vector<std::string>{build_dir() + "/tests/programs/inline_chain", "30"});
    ASSERT_TRUE(spinner_->started());
    SessionOptions o;
    o.pids = {spinner_->pid()};
    o.duration = 4s;
    session_ = std::make_unique<ProfbufdSession>(o);
    ASSERT_TRUE(session_->ready()) << session_->err();
    const std::string pprof = session_->pull("/debug/pprof/profile?seconds=2");
    ASSERT_FALSE(pprof.empty());
    std::ofstream(pprof_file_.path / "cpu.pb.gz", std::ios::binary) << pprof;
    metrics_ = session_->metrics();
    ASSERT_EQ(session_->finish(), 0) << session_->err();
  }
  std::string pprof_file() const { return (pprof_file_.path / "cpu.pb.gz").string(); }

  std::unique_ptr<Subprocess> spinner_;
  std::unique_ptr<ProfbufdSession> session_;
  TempDir pprof_file_;
  std::string metrics_;
};

TEST_F(SourceLinesE2E, JsonFramesCarryTheInlinedChainWithFileAndLines) {
  const auto stacks = session_->profile().of(static_cast<std::uint32_t>(spinner_->pid()));
  const std::uint64_t all = total_samples(stacks);
  ASSERT_GE(all, kMinSamples);
  std::uint64_t chained = 0, in_spin = 0;
  for (const Stack& st : stacks) {
    if (!st.user.empty() && st.user[0].function == "spin") in_spin += st.samples;
    if (has_inline_chain(st)) chained += st.samples;
  }
  std::printf("[lines] %llu samples, %llu in spin, %llu with inner<-middle<-spin at their lines\n",
              static_cast<unsigned long long>(all), static_cast<unsigned long long>(in_spin),
              static_cast<unsigned long long>(chained));
  // spin() is all loop in inner(), but for its call and return.
  EXPECT_GE(chained * 100, all * 90);
  EXPECT_GT(metric(metrics_, "profbufd_frame_lines_total{result=\"found\"}").value_or(0), 0);
}

TEST_F(SourceLinesE2E, GoToolPprofShowsLinesListAndTheWebUi) {
  const std::string inner = std::to_string(marker_line("LINE-INNER"));
  const auto lines = go_pprof({"-lines", "-top", "-sample_index=samples", pprof_file()});
  ASSERT_EQ(lines.status, 0) << lines.out << lines.err;
  EXPECT_NE(lines.out.find("inner " + source_path() + ":" + inner + " (inline)"),
            std::string::npos)
      << lines.out;

  // -list annotates the source file, read from the path in the profile: the
  // loop's line has inner()'s own samples, the call in spin() all of them.
  EXPECT_GT(listed(pprof_file(), "inner", "LINE-INNER", 0), 0) << "flat";
  EXPECT_GT(listed(pprof_file(), "spin", "LINE-SPIN-CALL", 1), 0) << "cum";

  // -http: the web UI, at line granularity; its flame graph has the inlined
  // calls as frames, each at its line.
  // The tool itself, not `go tool pprof`: go would leave it running when killed.
  std::string tools = run({"/usr/bin/go", "env", "GOTOOLDIR"}).out;
  while (!tools.empty() && std::isspace(static_cast<unsigned char>(tools.back()))) tools.pop_back();
  const int port = free_port();
  Subprocess web({tools + "/pprof", "-lines", "-no_browser",
                  "-http=127.0.0.1:" + std::to_string(port), pprof_file()},
                 {"HOME=/tmp", "GOCACHE=/tmp/profbufd-e2e-gocache", "PPROF_TMPDIR=/tmp"});
  ASSERT_TRUE(web.started());
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(20, 0);
  std::string body;
  for (int i = 0; i < 300 && body.empty(); ++i) {
    if (auto r = c.Get("/ui/flamegraph?si=samples"); r && r->status == 200)
      body = r->body;
    else
      std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(body.empty()) << web.err();
  EXPECT_NE(body.find("\"inner\""), std::string::npos);
  EXPECT_NE(body.find("inline_chain.c:" + inner), std::string::npos);
  EXPECT_NE(body.find("inline_chain.c:" + std::to_string(marker_line("LINE-MIDDLE-CALL"))),
            std::string::npos);
}

}  // namespace
}  // namespace profbufd::e2e::unwind
