#include "cli/preflight.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../as_nobody.h"
#include "../scratch_dir.h"
#include "fixture_path.h"

namespace profbufd::cli {
namespace {

namespace fs = std::filesystem;
using testing::fixture;

using TempDir = profbufd::test::ScratchDir;

std::string btf_bytes() {
  // struct btf_header: magic (u16, native order), version 1, flags 0, hdr_len 24.
  const std::uint16_t magic = 0xeB9F;
  std::string s(reinterpret_cast<const char*>(&magic), sizeof magic);
  s += std::string("\x01\x00\x18\x00\x00\x00", 6);
  return s;
}

// ---- privilege ------------------------------------------------------------------

TEST(CheckPrivilege, ReadsTheStatusFile) {
  EXPECT_TRUE(check_privilege(fixture("status/root.txt")).ok());
  EXPECT_TRUE(check_privilege(fixture("status/bpf_perfmon.txt")).ok());
  EXPECT_TRUE(check_privilege(fixture("status/sys_admin_only.txt")).ok());
  auto none = check_privilege(fixture("status/no_caps.txt"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ExitCode::kNoPrivilege);
  EXPECT_NE(none.error().line().find("CAP_BPF"), std::string::npos);
  EXPECT_NE(none.error().line().find("CAP_PERFMON"), std::string::npos);
  EXPECT_NE(none.error().line().find("sudo"), std::string::npos);
}

TEST(CheckPrivilege, UnreadableStatusIsARuntimeError) {
  auto r = check_privilege("/nonexistent/status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kRuntime);
  EXPECT_EQ(r.error().line(), "profbufd: reading /nonexistent/status: No such file or directory");
  auto malformed = check_privilege(fixture("status/no_capeff.txt"));
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, ExitCode::kRuntime);
}

TEST(CheckPrivilege, ThisProcessAgreesWithItsOwnEuid) {
  // Real /proc, read through the same parser: root (with the full set) passes.
  if (::geteuid() != 0) GTEST_SKIP() << "only meaningful as root";
  EXPECT_TRUE(check_privilege("/proc/self/status").ok());
}

// ---- BTF ------------------------------------------------------------------------

TEST(CheckBtf, MissingFile) {
  TempDir d;
  const std::string path = d.path() + "/vmlinux";
  auto r = check_btf(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kNoBtf);
  EXPECT_EQ(r.error().line(),
            "profbufd: " + path +
                ": missing: this kernel has no BTF type information "
                "(profbufd needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)");
}

TEST(CheckBtf, ValidHeader) {
  TempDir d;
  EXPECT_TRUE(check_btf(d.file("vmlinux", btf_bytes())).ok());
}

TEST(CheckBtf, NotBtf) {
  TempDir d;
  for (const std::string& content : {std::string(), std::string("\x9f"), std::string("ELF\x7f")}) {
    auto r = check_btf(d.file("vmlinux", content));
    ASSERT_FALSE(r.ok()) << content.size();
    EXPECT_EQ(r.error().code, ExitCode::kNoBtf);
    EXPECT_EQ(r.error().why, "not BTF data: no BTF magic at the start");
  }
}

TEST(CheckBtf, DirectoryIsNotReadableAsBtf) {
  TempDir d;
  auto r = check_btf(d.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kNoBtf);
  EXPECT_EQ(r.error().why, "not readable: Is a directory");
}

TEST(CheckBtf, UnreadableFile) {
  // As nobody: root reads files regardless of mode.
  TempDir d;
  const std::string path = d.file("vmlinux", btf_bytes());
  ASSERT_TRUE(test::give_to_nobody(d.path()) && test::give_to_nobody(path));
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  const auto verdict = test::as_nobody([&] {
    auto r = check_btf(path);
    const bool ok = !r.ok() && r.error().code == ExitCode::kNoBtf &&
                    r.error().why == "not readable: Permission denied";
    if (!ok) std::fprintf(stderr, "check_btf: %s\n", r.ok() ? "ok" : r.error().line().c_str());
    return ok;
  });
  EXPECT_EQ(verdict, test::Verdict::kPassed) << "check_btf read a file of mode 0";
}

TEST(CheckBtf, RunningKernel) {
  if (::access("/sys/kernel/btf/vmlinux", F_OK) != 0) GTEST_SKIP() << "kernel without BTF";
  EXPECT_TRUE(check_btf("/sys/kernel/btf/vmlinux").ok());
}

// ---- output directory -----------------------------------------------------------

TEST(CheckOutputDir, WritableDirectoryPassesAndIsLeftEmpty) {
  TempDir d;
  EXPECT_TRUE(check_output_dir(d.path()).ok());
  EXPECT_TRUE(check_output_dir(d.path() + "/").ok());
  EXPECT_TRUE(fs::is_empty(d.path())) << "the probe file was left behind";
}

TEST(CheckOutputDir, Missing) {
  TempDir d;
  const std::string dir = d.path() + "/nope";
  auto r = check_output_dir(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kOutputUnwritable);
  EXPECT_EQ(r.error().line(), "profbufd: --output " + dir +
                                  ": does not exist (create it with mkdir -p " + dir +
                                  ", or choose another --output)");
}

TEST(CheckOutputDir, NotADirectory) {
  TempDir d;
  const std::string file = d.file("profile.json", "{}");
  auto r = check_output_dir(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kOutputUnwritable);
  EXPECT_EQ(r.error().line(), "profbufd: --output " + file +
                                  ": not a directory (choose a writable directory with --output)");
}

TEST(CheckOutputDir, UnderANonDirectory) {
  TempDir d;
  const std::string dir = d.file("file", "x") + "/sub";
  auto r = check_output_dir(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kOutputUnwritable);
  EXPECT_EQ(r.error().why, "not a directory: a part of the path is a file");
}

TEST(CheckOutputDir, Empty) {
  auto r = check_output_dir("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kOutputUnwritable);
}

TEST(CheckOutputDir, ProcfsRefusesNewFilesEvenToRoot) {
  // A directory where creating a file fails for everyone, root included: the
  // check must really create, not trust stat() or access().
  auto r = check_output_dir("/proc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kOutputUnwritable);
  EXPECT_EQ(r.error().why.rfind("not writable: ", 0), 0u) << r.error().why;
}

TEST(CheckOutputDir, ReadOnlyMode) {
  // As nobody: root writes regardless of mode (ReadOnlyMount is root's case).
  TempDir d;
  ASSERT_TRUE(test::give_to_nobody(d.path()));
  ASSERT_EQ(::chmod(d.path().c_str(), 0555), 0);
  const auto verdict = test::as_nobody([&] {
    auto r = check_output_dir(d.path());
    const bool ok = !r.ok() && r.error().code == ExitCode::kOutputUnwritable &&
                    r.error().why == "not writable: Permission denied";
    if (!ok) std::fprintf(stderr, "check_output_dir: %s\n", r.ok() ? "ok" : r.error().line().c_str());
    return ok;
  });
  EXPECT_EQ(verdict, test::Verdict::kPassed) << "check_output_dir accepted a directory of mode 0555";
}

TEST(CheckOutputDir, ReadOnlyMount) {
  // Works as root, whose writes mode bits cannot stop. The mount is made in a
  // child's private mount namespace, so nothing outside the test sees it.
  TempDir d;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(77);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(77);
    if (::mount("tmpfs", d.path().c_str(), "tmpfs", MS_RDONLY, nullptr) != 0) ::_exit(77);
    auto r = check_output_dir(d.path());
    const bool expected = !r.ok() && r.error().code == ExitCode::kOutputUnwritable &&
                          r.error().why == "not writable: Read-only file system";
    ::_exit(expected ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "cannot mount (needs CAP_SYS_ADMIN)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "check_output_dir accepted a read-only mount";
}

// ---- frequency ------------------------------------------------------------------

TEST(ParseMaxSampleRate, Fixtures) {
  std::ifstream in(fixture("sample_rate/default.txt"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty()) << "fixture missing (run from the repository root)";
  EXPECT_EQ(*parse_max_sample_rate(text), 100000u);
  EXPECT_EQ(*parse_max_sample_rate("1"), 1u);
  EXPECT_EQ(*parse_max_sample_rate("2147483647\n"), 2147483647u);
  for (std::string_view bad : {"", "\n", "0\n", "abc\n", "-1\n", "2147483648\n", "1 2\n",
                               "99999999999\n"}) {
    auto r = parse_max_sample_rate(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ExitCode::kRuntime);
  }
  EXPECT_EQ(parse_max_sample_rate("abc\n").error().line(),
            "profbufd: reading kernel.perf_event_max_sample_rate: "
            "not a positive whole number: \"abc\"");
}

TEST(CheckFrequency, AtOrBelowTheLimit) {
  EXPECT_TRUE(check_frequency(99, fixture("sample_rate/default.txt")).ok());
  EXPECT_TRUE(check_frequency(100000, fixture("sample_rate/default.txt")).ok());
  EXPECT_TRUE(check_frequency(4000, fixture("sample_rate/lowered.txt")).ok());
}

TEST(CheckFrequency, AboveTheLimit) {
  auto r = check_frequency(4001, fixture("sample_rate/lowered.txt"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kFrequencyTooHigh);
  EXPECT_EQ(r.error().line(),
            "profbufd: --frequency 4001: above kernel.perf_event_max_sample_rate, 4000 "
            "(use --frequency 4000 or less, or raise the limit: "
            "sudo sysctl kernel.perf_event_max_sample_rate=4001)");
  EXPECT_EQ(check_frequency(100001, fixture("sample_rate/default.txt")).error().code,
            ExitCode::kFrequencyTooHigh);
}

TEST(CheckFrequency, UnreadableOrMalformedLimit) {
  for (const char* name : {"garbage.txt", "zero.txt", "empty.txt"}) {
    auto r = check_frequency(99, fixture(std::string("sample_rate/") + name));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, ExitCode::kRuntime) << name;
  }
  auto missing = check_frequency(99, "/nonexistent/perf_event_max_sample_rate");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ExitCode::kRuntime);
  EXPECT_EQ(missing.error().line(),
            "profbufd: reading /nonexistent/perf_event_max_sample_rate: No such file or "
            "directory (the kernel may lack perf events, CONFIG_PERF_EVENTS)");
}

// ---- all together ---------------------------------------------------------------

class PreflightAll : public ::testing::Test {
 protected:
  PreflightAll() {
    paths.proc_self_status = fixture("status/root.txt");
    paths.btf_vmlinux = dir.file("vmlinux", btf_bytes());
    paths.max_sample_rate = fixture("sample_rate/lowered.txt");
    options.output_dir = dir.path() + "/out";
    fs::create_directory(options.output_dir);
  }
  TempDir dir;
  PreflightPaths paths;
  Options options;
};

TEST_F(PreflightAll, AllGood) {
  auto r = preflight(options, paths);
  EXPECT_TRUE(r.ok()) << r.error().line();
}

TEST_F(PreflightAll, DefaultPathsAreTheKernelOnes) {
  const PreflightPaths defaults;
  EXPECT_EQ(defaults.proc_self_status, "/proc/self/status");
  EXPECT_EQ(defaults.btf_vmlinux, "/sys/kernel/btf/vmlinux");
  EXPECT_EQ(defaults.max_sample_rate, "/proc/sys/kernel/perf_event_max_sample_rate");
}

TEST_F(PreflightAll, FirstFailureWinsInOrder) {
  // Break everything, then repair one check at a time: the reported failure
  // moves down the documented order.
  paths.btf_vmlinux = dir.path() + "/no-vmlinux";
  paths.proc_self_status = fixture("status/no_caps.txt");
  options.frequency_hz = 5000;  // above lowered.txt's 4000
  options.output_dir = dir.path() + "/missing";

  EXPECT_EQ(preflight(options, paths).error().code, ExitCode::kNoBtf);
  paths.btf_vmlinux = dir.file("vmlinux", btf_bytes());
  EXPECT_EQ(preflight(options, paths).error().code, ExitCode::kNoPrivilege);
  paths.proc_self_status = fixture("status/bpf_perfmon.txt");
  EXPECT_EQ(preflight(options, paths).error().code, ExitCode::kFrequencyTooHigh);
  options.frequency_hz = 4000;
  EXPECT_EQ(preflight(options, paths).error().code, ExitCode::kOutputUnwritable);
  options.output_dir = dir.path();
  EXPECT_TRUE(preflight(options, paths).ok());
}

}  // namespace
}  // namespace profbufd::cli
