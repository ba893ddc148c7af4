#include "cli/config_file.h"

#include <gtest/gtest.h>

#include "../scratch_dir.h"

namespace profbufd::cli {
namespace {

std::string error_line(std::string_view text) {
  auto r = parse_config_file(text, "/etc/p.conf");
  if (r.ok()) {
    ADD_FAILURE() << "parsed: " << text;
    return {};
  }
  EXPECT_EQ(r.error().code, ExitCode::kUsage);
  return r.error().line();
}

TEST(ConfigFile, EverySettingCommentsAndBlankLines) {
  auto r = parse_config_file(
      "# profbufd settings\n"
      "\n"
      "frequency = 49\n"
      "  pid=1234\r\n"
      "pid = 5678\n"
      "   # indented comment\n"
      "cgroup = /system.slice/nginx.service\n"
      "cgroup=/sys/fs/cgroup/a#b\n",
      "/etc/p.conf");
  ASSERT_TRUE(r.ok()) << r.error().line();
  EXPECT_EQ(r->frequency_hz, 49u);
  EXPECT_EQ(r->pids, (std::vector<std::uint32_t>{1234, 5678}));
  EXPECT_EQ(r->cgroups,
            (std::vector<std::string>{"/system.slice/nginx.service", "/sys/fs/cgroup/a#b"}));
  auto empty = parse_config_file("", "/etc/p.conf");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->frequency_hz);
  EXPECT_TRUE(empty->pids.empty());
}

TEST(ConfigFile, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(error_line("pid = 1\nfrquency = 3\n"),
            "profbufd: /etc/p.conf:2: frquency: unknown setting "
            "(the file holds frequency, pid and cgroup lines)");
  EXPECT_NE(error_line("frequency 49\n").find("/etc/p.conf:1: frequency 49: not \"key = value\""),
            std::string::npos);
  // Values are checked as their flags are.
  EXPECT_NE(error_line("frequency = fast\n").find("/etc/p.conf:1: frequency fast: not a whole"),
            std::string::npos);
  EXPECT_NE(error_line("pid = 0\n").find("idle task"), std::string::npos);
  EXPECT_NE(error_line("cgroup = system.slice\n").find("not an absolute path"), std::string::npos);
  EXPECT_NE(error_line("pid =\n").find("needs a value"), std::string::npos);
  EXPECT_NE(error_line("frequency = 49\nfrequency = 19\n").find(":2: frequency 19: frequency given twice"),
            std::string::npos);
  EXPECT_NE(error_line("pid = 7\npid = 7\n").find(":2: pid 7: given twice"), std::string::npos);
  EXPECT_NE(error_line("cgroup = /a\ncgroup = /a\n").find("given twice"), std::string::npos);
  std::string many;
  for (int i = 1; i <= 33; ++i) many += "pid = " + std::to_string(i) + "\n";
  EXPECT_NE(error_line(many).find(":33: pid 33: more than 32 pids"), std::string::npos);
}

TEST(ConfigFile, UnreadableFileIsAUsageError) {
  auto r = read_config_file("/nonexistent/profbufd.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kUsage);
  EXPECT_NE(r.error().line().find("No such file"), std::string::npos) << r.error().line();
  test::ScratchDir d;
  auto ok = read_config_file(d.file("p.conf", "pid = 3\n"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->pids, (std::vector<std::uint32_t>{3}));
}

}  // namespace
}  // namespace profbufd::cli
