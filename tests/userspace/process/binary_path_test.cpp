#include "process/binary_path.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "../symbolize/test_util.h"

namespace profbufd::symbolize {
namespace {

using testing::TempDir;
using testing::write_text;

MapEntry file_entry(const std::string& path, std::uint64_t inode, bool deleted = false) {
  MapEntry e;
  e.start = 0x7f0000001000;
  e.end = 0x7f0000005000;
  e.offset = 0x1000;
  e.inode = inode;
  e.path = path;
  e.exec = e.read = true;
  e.deleted = deleted;
  return e;
}

std::uint64_t inode_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path);
  return st.st_ino;
}

TEST(SymbolizeBinaryPathTest, CandidatesGoThroughTheProcessRootFirst) {
  const auto c = binary_candidates("/proc", 42, file_entry("/usr/lib/libfoo.so", 7));
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].path, "/proc/42/root/usr/lib/libfoo.so");
  EXPECT_TRUE(c[0].check_inode);
  EXPECT_EQ(c[1].path, "/proc/42/map_files/7f0000001000-7f0000005000");
  EXPECT_FALSE(c[1].check_inode);
  EXPECT_EQ(c[2].path, "/usr/lib/libfoo.so");
  EXPECT_TRUE(c[2].check_inode);
}

TEST(SymbolizeBinaryPathTest, DeletedFilesOnlyThroughMapFiles) {
  const auto c = binary_candidates("/host/proc", 42, file_entry("/usr/lib/libfoo.so", 7, true));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].path, "/host/proc/42/map_files/7f0000001000-7f0000005000");
  EXPECT_TRUE(binary_candidates("", 42, file_entry("/x", 7, true)).empty());
}

TEST(SymbolizeBinaryPathTest, NoProcfsMeansThePlainPath) {
  const auto c = binary_candidates("", 42, file_entry("/usr/lib/libfoo.so", 7));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].path, "/usr/lib/libfoo.so");
  EXPECT_TRUE(c[0].check_inode);
}

TEST(SymbolizeBinaryPathTest, OpensThePlainPathWhenTheInodeMatches) {
  TempDir dir;
  write_text(dir.file("bin"), "content");
  auto fd = open_mapped_file("", 1, file_entry(dir.file("bin"), inode_of(dir.file("bin"))));
  ASSERT_TRUE(fd) << fd.error().line();
  char buf[8] = {};
  EXPECT_EQ(::read(fd->get(), buf, 7), 7);
  EXPECT_STREQ(buf, "content");
}

TEST(SymbolizeBinaryPathTest, RefusesADifferentFileAtThePath) {
  TempDir dir;
  write_text(dir.file("bin"), "content");
  auto fd = open_mapped_file("", 1, file_entry(dir.file("bin"), inode_of(dir.file("bin")) + 1));
  ASSERT_FALSE(fd);
  EXPECT_NE(fd.error().why.find("different file"), std::string::npos);
}

TEST(SymbolizeBinaryPathTest, RefusesDirectoriesAndMissingFiles) {
  TempDir dir;
  auto d = open_mapped_file("", 1, file_entry(dir.path(), inode_of(dir.path())));
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().why.find("not a regular file"), std::string::npos);
  auto m = open_mapped_file("", 1, file_entry(dir.file("missing"), 5));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ExitCode::kRuntime);
}

// A procfs of the test's own: <root>/42/root/<path> and
// <root>/42/map_files/<range> for file_entry()'s mapping.
struct FakeProcfs {
  TempDir dir;
  std::string root_file(const std::string& path) const {
    const std::string p = dir.file("42/root" + path);
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    return p;
  }
  std::string map_file() const {
    std::filesystem::create_directories(dir.file("42/map_files"));
    return dir.file("42/map_files/7f0000001000-7f0000005000");
  }
};

std::uint64_t inode_of_fd(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw std::runtime_error("fstat");
  return st.st_ino;
}

TEST(SymbolizeBinaryPathTest, OpensThroughTheProcessRoot) {
  FakeProcfs procfs;
  const std::string in_root = procfs.root_file("/opt/app/bin");  // no such path on the host
  write_text(in_root, "content");
  auto fd = open_mapped_file(procfs.dir.path(), 42, file_entry("/opt/app/bin", inode_of(in_root)));
  ASSERT_TRUE(fd) << fd.error().line();
  EXPECT_EQ(inode_of_fd(fd->get()), inode_of(in_root));
}

// The program was replaced at its path after the snapshot of its mappings
// (a package upgrade): the path now names the new file, map_files the one
// still mapped. Symbols read from the new file would name the frames wrong.
TEST(SymbolizeBinaryPathTest, AReplacedFileIsReadThroughMapFilesNotItsPath) {
  FakeProcfs procfs;
  const std::string mapped = procfs.map_file();
  write_text(mapped, "old program");
  const std::string replacement = procfs.root_file("/opt/app/bin");
  write_text(replacement, "new program");
  auto fd = open_mapped_file(procfs.dir.path(), 42, file_entry("/opt/app/bin", inode_of(mapped)));
  ASSERT_TRUE(fd) << fd.error().line();
  EXPECT_EQ(inode_of_fd(fd->get()), inode_of(mapped));
  EXPECT_NE(inode_of_fd(fd->get()), inode_of(replacement));
}

TEST(SymbolizeBinaryPathTest, AReplacedFileWithoutMapFilesIsRefused) {
  FakeProcfs procfs;
  const std::string replacement = procfs.root_file("/opt/app/bin");
  write_text(replacement, "new program");
  auto fd = open_mapped_file(procfs.dir.path(), 42,
                             file_entry("/opt/app/bin", inode_of(replacement) + 1));
  ASSERT_FALSE(fd);
}

}  // namespace
}  // namespace profbufd::symbolize
