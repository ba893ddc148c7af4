#include "sinks/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#include "../as_nobody.h"
#include "../encode/run_command.h"
#include "scratch_dir.h"

namespace profbufd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::list_dir;
using testing::read_file;
using testing::ScratchDir;

TEST(AtomicFile, WritesContentWithUmaskRespectingMode) {
  ScratchDir d;
  const mode_t old = ::umask(027);
  const Status st = write_file_atomically(d.path(), "a.json", "{}\n");
  ::umask(old);
  ASSERT_TRUE(st.ok()) << st.error().line();
  EXPECT_EQ(read_file(d.file("a.json")), "{}\n");
  struct stat sb;
  ASSERT_EQ(::stat(d.file("a.json").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0640u);  // 0644 & ~027
  EXPECT_THAT(list_dir(d.path()), ElementsAre("a.json")) << "temporary file left";
}

TEST(AtomicFile, ReplacesAnExistingFile) {
  ScratchDir d;
  testing::write_file(d.file("p.folded"), "old contents that are longer\n");
  ASSERT_TRUE(write_file_atomically(d.path(), "p.folded", "new\n").ok());
  EXPECT_EQ(read_file(d.file("p.folded")), "new\n");
  EXPECT_THAT(list_dir(d.path()), ElementsAre("p.folded"));
}

TEST(AtomicFile, EmptyAndLargeContents) {
  ScratchDir d;
  ASSERT_TRUE(write_file_atomically(d.path(), "empty", "").ok());
  EXPECT_EQ(read_file(d.file("empty")), "");
  const std::string big(5 << 20, 'x');
  ASSERT_TRUE(write_file_atomically(d.path(), "big", big).ok());
  EXPECT_EQ(read_file(d.file("big")), big);
}

TEST(AtomicFile, MissingDirectoryIsAWriteError) {
  ScratchDir d;
  const std::string missing = d.file("nope");
  const Status st = write_file_atomically(missing, "x.json", "{}");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ExitCode::kWriteFailed);
  EXPECT_EQ(st.error().what, "writing " + missing + "/x.json");
  EXPECT_THAT(st.error().why, HasSubstr(std::strerror(ENOENT)));
  EXPECT_THAT(st.error().hint, HasSubstr("create the directory"));
}

TEST(AtomicFile, RejectsNamesThatAreNotPlainFileNames) {
  ScratchDir d;
  for (const char* bad : {"", ".", "..", "sub/x.json", "/etc/passwd"}) {
    const Status st = write_file_atomically(d.path(), bad, "x");
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().code, ExitCode::kWriteFailed);
  }
  EXPECT_TRUE(list_dir(d.path()).empty());
}

// Runs `write` with the file-size limit at 4096 bytes and SIGXFSZ ignored, so
// a write past it fails with EFBIG; both are restored after.
Status with_4k_file_limit(const std::function<Status()>& write) {
  struct rlimit old;
  EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  struct sigaction ign {}, old_sa{};
  ign.sa_handler = SIG_IGN;
  EXPECT_EQ(::sigaction(SIGXFSZ, &ign, &old_sa), 0);  // EFBIG instead of a signal
  struct rlimit small = old;
  small.rlim_cur = 4096;
  EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const Status st = write();
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::sigaction(SIGXFSZ, &old_sa, nullptr);
  return st;
}

// A failure in the middle of write(2): the file-size limit makes write fail
// with EFBIG after the first bytes landed, with or without privilege.
TEST(AtomicFile, FailureMidWriteLeavesNoPartialFileAndKeepsTheOldOne) {
  ScratchDir d;
  testing::write_file(d.file("w.pb.gz"), "previous");
  const Status st = with_4k_file_limit(
      [&] { return write_file_atomically(d.path(), "w.pb.gz", std::string(64 << 10, 'y')); });

  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ExitCode::kWriteFailed);
  EXPECT_THAT(st.error().why, HasSubstr(std::strerror(EFBIG)));
  EXPECT_THAT(list_dir(d.path()), ElementsAre("w.pb.gz"));
  EXPECT_EQ(read_file(d.file("w.pb.gz")), "previous");
}

TEST(AtomicFile, InPiecesWritesThePiecesInOrder) {
  ScratchDir d;
  ASSERT_TRUE(write_file_atomically_in_pieces(d.path(), "p.json", [](const PieceWriter& w) {
                w("one,");
                w("");
                w(std::string(100000, 'x'));
                w(",three\n");
              }).ok());
  EXPECT_EQ(read_file(d.file("p.json")), "one," + std::string(100000, 'x') + ",three\n");
  EXPECT_THAT(list_dir(d.path()), ElementsAre("p.json"));
}

TEST(AtomicFile, InPiecesAFailedPieceFailsTheFileAndKeepsTheOldOne) {
  ScratchDir d;
  testing::write_file(d.file("p.json"), "previous");
  int pieces = 0;
  const Status st = with_4k_file_limit([&] {
    return write_file_atomically_in_pieces(d.path(), "p.json", [&](const PieceWriter& w) {
      for (int i = 0; i < 8; ++i, ++pieces) w(std::string(2048, 'y'));  // the third fails
    });
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(pieces, 8) << "the producer runs to its end; the writer drops what follows";
  EXPECT_THAT(st.error().why, HasSubstr(std::strerror(EFBIG)));
  EXPECT_THAT(list_dir(d.path()), ElementsAre("p.json"));
  EXPECT_EQ(read_file(d.file("p.json")), "previous");
}

TEST(AtomicFile, InPiecesAProducerThatThrowsLeavesNothing) {
  ScratchDir d;
  EXPECT_THROW(write_file_atomically_in_pieces(d.path(), "p.json",
                                               [](const PieceWriter& w) {
                                                 w("half");
                                                 throw std::out_of_range("broken profile");
                                               }),
               std::out_of_range);
  EXPECT_TRUE(list_dir(d.path()).empty());
}

// Permission denied, as nobody (root ignores directory modes).
TEST(AtomicFile, UnwritableDirectoryIsAWriteError) {
  ScratchDir d;
  ASSERT_TRUE(test::give_to_nobody(d.path()));
  ASSERT_EQ(::chmod(d.path().c_str(), 0555), 0);
  const auto verdict = test::as_nobody([&] {
    const Status st = write_file_atomically(d.path(), "x.json", "{}");
    const bool ok = !st.ok() && st.error().code == ExitCode::kWriteFailed &&
                    st.error().why.find(std::strerror(EACCES)) != std::string::npos;
    if (!ok) std::fprintf(stderr, "write_file_atomically: %s\n", st.ok() ? "ok" : st.error().line().c_str());
    return ok;
  });
  ::chmod(d.path().c_str(), 0755);
  EXPECT_EQ(verdict, test::Verdict::kPassed) << "a write into a 0555 directory did not fail";
  EXPECT_TRUE(list_dir(d.path()).empty());
}

// ---- a real small file system: full disk and read-only -------------------------

// Mounting needs root (CAP_SYS_ADMIN). Without it these tests skip with the
// reason, except under CI=true where they must run.
class AtomicFileTmpfs : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (::geteuid() != 0) {
      why = "not root: cannot mount a tmpfs (run as root to test ENOSPC/EROFS)";
    } else if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=16k,mode=0755") != 0) {
      why = std::string("mount tmpfs: ") + std::strerror(errno);
    } else {
      mounted_ = true;
    }
    if (!mounted_) {
      if (testing::running_under_ci()) FAIL() << "under CI=true: " << why;
      GTEST_SKIP() << why;
    }
  }
  void TearDown() override {
    if (mounted_) {
      EXPECT_EQ(::umount2(dir_.path().c_str(), MNT_DETACH), 0) << std::strerror(errno);
    }
  }

  ScratchDir dir_;
  bool mounted_ = false;
};

TEST_F(AtomicFileTmpfs, DiskFullFailsCleanlyAndKeepsPreviousFiles) {
  ASSERT_TRUE(write_file_atomically(dir_.path(), "keep.json", "previous\n").ok());
  // Fill the file system.
  {
    std::FILE* f = std::fopen(dir_.file("filler").c_str(), "w");
    ASSERT_NE(f, nullptr);
    const std::string block(1024, 'f');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size() &&
           std::fflush(f) == 0) {
    }
    std::fclose(f);
  }
  const Status st = write_file_atomically(dir_.path(), "new.json", std::string(8192, 'n'));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ExitCode::kWriteFailed);
  EXPECT_THAT(st.error().why, HasSubstr(std::strerror(ENOSPC)));
  EXPECT_THAT(st.error().hint, HasSubstr("free space"));
  EXPECT_THAT(list_dir(dir_.path()), ElementsAre("filler", "keep.json"));
  EXPECT_EQ(read_file(dir_.file("keep.json")), "previous\n");

  // Replacing the existing file fails the same way and leaves it intact.
  const Status replace = write_file_atomically(dir_.path(), "keep.json", std::string(8192, 'r'));
  ASSERT_FALSE(replace.ok());
  EXPECT_EQ(read_file(dir_.file("keep.json")), "previous\n");
  EXPECT_THAT(list_dir(dir_.path()), ElementsAre("filler", "keep.json"));

  // With space again, writing works.
  ASSERT_EQ(std::remove(dir_.file("filler").c_str()), 0);
  EXPECT_TRUE(write_file_atomically(dir_.path(), "new.json", std::string(8192, 'n')).ok());
}

TEST_F(AtomicFileTmpfs, ReadOnlyFileSystemFailsCleanly) {
  ASSERT_TRUE(write_file_atomically(dir_.path(), "keep.folded", "a 1\n").ok());
  ASSERT_EQ(::mount(nullptr, dir_.path().c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);
  const Status st = write_file_atomically(dir_.path(), "keep.folded", "b 2\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ExitCode::kWriteFailed);
  EXPECT_THAT(st.error().why, HasSubstr(std::strerror(EROFS)));
  EXPECT_THAT(st.error().hint, HasSubstr("read-only"));
  EXPECT_EQ(read_file(dir_.file("keep.folded")), "a 1\n");
  EXPECT_THAT(list_dir(dir_.path()), ElementsAre("keep.folded"));
}

}  // namespace
}  // namespace profbufd
