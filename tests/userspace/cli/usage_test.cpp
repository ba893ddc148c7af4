#include "cli/usage.h"

#include <gtest/gtest.h>

#include <string>

#include "common/error.h"

namespace profbufd::cli {
namespace {

TEST(UsageText, DocumentsEveryFlagWithItsDefault) {
  const std::string t = usage_text();
  for (const char* flag : {"--duration D", "--frequency HZ", "--output DIR", "--format LIST",
                           "--interval D", "--keep N", "--pid PID", "--cgroup PATH",
                           "--config FILE", "--folded-root LABEL", "--no-idle",
                           "--ringbuf-size B", "--http-listen A:P", "--http-allow-remote",
                           "--pyroscope-url URL", "--pyroscope-user USER",
                           "--pyroscope-password-file FILE", "--pyroscope-token-file FILE",
                           "--pyroscope-tenant ID", "--pyroscope-queue-size B",
                           "--pyroscope-timeout D", "--debuginfod URLS",
                           "--debuginfod-timeout D", "-h, --help", "--version"}) {
    EXPECT_NE(t.find(std::string("  ") + flag), std::string::npos) << flag;
  }
  EXPECT_NE(t.find("Default: 99."), std::string::npos);
  EXPECT_NE(t.find("Default: . (the current directory)"), std::string::npos);
  EXPECT_NE(t.find("Default: pprof,json."), std::string::npos);
  EXPECT_NE(t.find("at least 100ms, at most\n"), std::string::npos);
  EXPECT_NE(t.find("up to 32 processes"), std::string::npos);
  EXPECT_NE(t.find("full, the oldest are dropped. Default: 16M."), std::string::npos);
  EXPECT_NE(t.find("deadline of one push request. Default: 10s."), std::string::npos);
  EXPECT_NE(t.find("SENDS THE BUILD IDS"), std::string::npos);  // what turning it on costs
  EXPECT_NE(t.find("profile waits for at most one that fails. Default: 5s."), std::string::npos);
  EXPECT_NE(t.find("closes a window every 10s"), std::string::npos);
  EXPECT_NE(t.find("for up to 16 cgroups"), std::string::npos);
  EXPECT_NE(t.find("again on SIGHUP"), std::string::npos);
  EXPECT_EQ(t.back(), '\n');
}

TEST(UsageText, DocumentsTheHttpEndpointsAndLimits) {
  const std::string t = usage_text();
  for (const char* endpoint : {"  /  ", "  /metrics  ", "  /debug/pprof/profile?seconds=N\n",
                               "  /healthz  "}) {
    EXPECT_NE(t.find(endpoint), std::string::npos) << endpoint;
  }
  EXPECT_NE(t.find("Loopback only unless --http-allow-remote"), std::string::npos);
  EXPECT_NE(t.find("(1 to 300, default 30)"), std::string::npos);
  EXPECT_NE(t.find("At most 8 at once; more get 503."), std::string::npos);
  EXPECT_NE(t.find("&cgroup=PATH or &container=ID"), std::string::npos);
  EXPECT_NE(t.find("request body at most 1024 bytes"), std::string::npos);
  EXPECT_NE(t.find("5000 ms to send a whole request head (408)"), std::string::npos);
  EXPECT_NE(t.find("16 requests answered at once"), std::string::npos);
  EXPECT_NE(t.find("--http-max-connections N"), std::string::npos);
  EXPECT_NE(t.find("Default: no HTTP."), std::string::npos);
}

TEST(UsageText, ListsEveryExitCode) {
  const std::string t = usage_text();
  const auto line_for = [&](ExitCode c, const char* words) {
    return "  " + std::to_string(static_cast<int>(c)) + "  " + words;
  };
  EXPECT_NE(t.find(line_for(ExitCode::kOk, "success")), std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kRuntime, "failure while running")), std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kUsage, "bad flag")), std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kNoPrivilege, "missing CAP_BPF")), std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kNoBtf, "the kernel has no BTF")), std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kOutputUnwritable, "--output")), std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kFrequencyTooHigh, "--frequency above")),
            std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kBpfLoad, "the BPF program")), std::string::npos);
  EXPECT_NE(t.find(line_for(ExitCode::kWriteFailed, "a profile could not")), std::string::npos);
}

TEST(UsageText, FitsAnEightyColumnTerminal) {
  const std::string t = usage_text();
  std::size_t start = 0;
  while (start < t.size()) {
    const std::size_t nl = t.find('\n', start);
    ASSERT_NE(nl, std::string::npos);
    EXPECT_LT(nl - start, 80u) << t.substr(start, nl - start);
    start = nl + 1;
  }
}

TEST(VersionText, NamesTheProgram) {
  const std::string v = version_text();
  ASSERT_GT(v.size(), 10u);
  EXPECT_EQ(v.rfind("profbufd ", 0), 0u);
  EXPECT_EQ(v.back(), '\n');
#ifdef PROFBUFD_VERSION
  EXPECT_EQ(v, std::string("profbufd ") + PROFBUFD_VERSION + "\n");
#endif
}

}  // namespace
}  // namespace profbufd::cli
