#include "common/file_text.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace profbufd {
namespace {

TEST(FileText, ReadsAWholeFileLargerThanOneChunk) {
  const std::string path = testing::TempDir() + "profbufd-file-text";
  const std::string content = std::string(40000, 'x') + "end\n";
  std::ofstream(path, std::ios::binary) << content;
  const FileText f = read_file_text(path);
  EXPECT_EQ(f.err, 0);
  EXPECT_EQ(f.text, content);
  std::remove(path.c_str());
}

TEST(FileText, ReportsTheErrnoOfAFailedOpenOrRead) {
  EXPECT_EQ(read_file_text("/nonexistent/profbufd").err, ENOENT);
  const FileText dir = read_file_text("/");
  EXPECT_EQ(dir.err, EISDIR);
  EXPECT_TRUE(dir.text.empty());
}

TEST(FileText, ReadsProcfsFilesWhoseSizeIsZero) {
  const FileText f = read_file_text("/proc/self/status");
  ASSERT_EQ(f.err, 0);
  EXPECT_NE(f.text.find("Pid:"), std::string::npos);
}

TEST(FileText, NextLineTakesEachLineBlankOnesAndAnUnendedLastOneToo) {
  std::string_view text = "a\n\nb c\nlast";
  std::vector<std::string_view> lines;
  while (!text.empty()) lines.push_back(next_line(text));
  EXPECT_EQ(lines, (std::vector<std::string_view>{"a", "", "b c", "last"}));
  text = "one\n";
  EXPECT_EQ(next_line(text), "one");
  EXPECT_TRUE(text.empty());
}

}  // namespace
}  // namespace profbufd
