#include "common/file_text.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>

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

}  // namespace
}  // namespace profbufd
