#include "sinks/pyroscope/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "../../scratch_dir.h"

namespace profbufd::pyroscope {
namespace {

TEST(SecretFile, TheWholeFileWithoutItsFinalNewline) {
  test::ScratchDir dir;
  const std::string path = dir.path() + "/token";
  std::ofstream(path) << "glc_abc==\n";
  ::chmod(path.c_str(), 0600);
  bool world = true;
  auto s = read_secret_file("--pyroscope-token-file", path, world);
  ASSERT_TRUE(s.ok()) << s.error().line();
  EXPECT_EQ(*s, "glc_abc==");
  EXPECT_FALSE(world);
  ::chmod(path.c_str(), 0644);
  ASSERT_TRUE(read_secret_file("--pyroscope-token-file", path, world).ok());
  EXPECT_TRUE(world);
}

TEST(SecretFile, MissingEmptyAndTwoLineFilesAreUsageErrors) {
  test::ScratchDir dir;
  bool world = false;
  auto missing = read_secret_file("--pyroscope-token-file", dir.path() + "/none", world);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ExitCode::kUsage);
  EXPECT_NE(missing.error().line().find("--pyroscope-token-file " + dir.path() + "/none: No such file"),
            std::string::npos)
      << missing.error().line();
  std::ofstream(dir.path() + "/empty") << "\n";
  EXPECT_NE(read_secret_file("f", dir.path() + "/empty", world).error().line().find("empty"),
            std::string::npos);
  std::ofstream(dir.path() + "/two") << "a\nb\n";
  EXPECT_NE(read_secret_file("f", dir.path() + "/two", world).error().line().find("more than one line"),
            std::string::npos);
}

}  // namespace
}  // namespace profbufd::pyroscope
