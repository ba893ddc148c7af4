#include "cli/capabilities.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "fixture_path.h"

namespace profbufd::cli {
namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(testing::fixture("status/" + name));
  EXPECT_TRUE(in.good()) << "missing fixture " << name << " (run from the repository root)";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ParseCapEff, ReadsTheEffectiveSetNotThePermittedOrBounding) {
  // CapBnd in the fixtures is all ones; only CapEff may be read.
  EXPECT_EQ(*parse_cap_eff(read_fixture("root.txt")), 0x000001ffffffffffULL);
  EXPECT_EQ(*parse_cap_eff(read_fixture("no_caps.txt")), 0u);
  EXPECT_EQ(*parse_cap_eff(read_fixture("sys_admin_only.txt")), 1ULL << 21);
  EXPECT_EQ(*parse_cap_eff(read_fixture("bpf_perfmon.txt")), (1ULL << 38) | (1ULL << 39));
  EXPECT_EQ(*parse_cap_eff(read_fixture("container_default.txt")), 0xa80425fbULL);
}

TEST(ParseCapEff, ToleratesSpacingAndCase) {
  EXPECT_EQ(*parse_cap_eff("CapEff:   00000000002000FF  \r\n"), 0x2000ffULL);
  EXPECT_EQ(*parse_cap_eff("CapEff:\tf"), 0xfULL);  // no trailing newline
}

TEST(ParseCapEff, MissingOrMalformedIsARuntimeError) {
  auto missing = parse_cap_eff(read_fixture("no_capeff.txt"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ExitCode::kRuntime);
  EXPECT_EQ(missing.error().line(),
            "profbufd: reading the capabilities in /proc/self/status: no CapEff line "
            "(please report this with your kernel version)");

  auto bad = parse_cap_eff(read_fixture("bad_capeff.txt"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ExitCode::kRuntime);
  EXPECT_EQ(bad.error().why, "CapEff is not a 64-bit hexadecimal mask: \"zz00000000000000\"");

  EXPECT_FALSE(parse_cap_eff("").ok());
  EXPECT_FALSE(parse_cap_eff("CapEff:\n").ok());
  EXPECT_FALSE(parse_cap_eff("CapEff:\t1ffffffffffffffff\n").ok());  // 17 digits
  EXPECT_FALSE(parse_cap_eff("XCapEff:\t0000000000000000\n").ok());   // not at line start
  EXPECT_FALSE(parse_cap_eff("CapEff:\t00 00\n").ok());
}

TEST(CheckCapabilities, Fixtures) {
  EXPECT_TRUE(check_capabilities(*parse_cap_eff(read_fixture("root.txt"))).ok());
  EXPECT_TRUE(check_capabilities(*parse_cap_eff(read_fixture("sys_admin_only.txt"))).ok());
  EXPECT_TRUE(check_capabilities(*parse_cap_eff(read_fixture("bpf_perfmon.txt"))).ok());

  auto none = check_capabilities(*parse_cap_eff(read_fixture("no_caps.txt")));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ExitCode::kNoPrivilege);
  EXPECT_EQ(none.error().line(),
            "profbufd: not enough privilege: missing CAP_BPF and CAP_PERFMON; profiling needs "
            "CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (run with sudo)");

  auto container = check_capabilities(*parse_cap_eff(read_fixture("container_default.txt")));
  ASSERT_FALSE(container.ok());
  EXPECT_EQ(container.error().code, ExitCode::kNoPrivilege);
}

TEST(CheckCapabilities, NamesOnlyWhatIsMissing) {
  auto only_bpf = check_capabilities(*parse_cap_eff(read_fixture("bpf_only.txt")));
  ASSERT_FALSE(only_bpf.ok());
  EXPECT_EQ(only_bpf.error().code, ExitCode::kNoPrivilege);
  EXPECT_EQ(only_bpf.error().why,
            "missing CAP_PERFMON; profiling needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN");

  auto only_perfmon = check_capabilities(*parse_cap_eff(read_fixture("perfmon_only.txt")));
  ASSERT_FALSE(only_perfmon.ok());
  EXPECT_EQ(only_perfmon.error().why,
            "missing CAP_BPF; profiling needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN");
}

TEST(CheckCapabilities, EachBitDecides) {
  EXPECT_TRUE(check_capabilities(1ULL << kCapSysAdmin).ok());
  EXPECT_TRUE(check_capabilities((1ULL << kCapBpf) | (1ULL << kCapPerfmon)).ok());
  // Every other capability together is not enough.
  const std::uint64_t others =
      ~((1ULL << kCapSysAdmin) | (1ULL << kCapBpf) | (1ULL << kCapPerfmon));
  EXPECT_FALSE(check_capabilities(others).ok());
  EXPECT_FALSE(check_capabilities(others | (1ULL << kCapBpf)).ok());
  EXPECT_FALSE(check_capabilities(others | (1ULL << kCapPerfmon)).ok());
}

}  // namespace
}  // namespace profbufd::cli
