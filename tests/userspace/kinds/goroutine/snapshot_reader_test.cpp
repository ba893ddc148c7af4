#include "kinds/goroutine/snapshot_reader.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <vector>

#include "profbufd.h"

namespace profbufd::kinds::goroutine {
namespace {

// A pipe holding `words` then closed for writing: what a read() of an
// iterator returns. With `piece` below 8, a SOCK_SEQPACKET pair instead, of
// which each read() returns one `piece`-byte message at most: words split
// across reads.
int pipe_with(const std::vector<std::uint64_t>& words, std::size_t piece = 8) {
  int fds[2];
  if (piece < 8)
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
  else
    EXPECT_EQ(pipe(fds), 0);
  const auto* bytes = reinterpret_cast<const char*>(words.data());
  const std::size_t total = words.size() * 8;
  for (std::size_t at = 0; at < total; at += piece)
    EXPECT_GT(write(fds[1], bytes + at, std::min(piece, total - at)), 0);
  close(fds[1]);
  return fds[0];
}

TEST(GoroutineSnapshotReader, CountsRecordedAndDroppedThreadsToTheEnd) {
  const int fd = pipe_with({100, PROFBUFD_GOROUTINE_DROPPED, 200, 300});
  const SnapshotCount c = read_snapshot(fd, SnapshotPacing{.batch = 3});
  close(fd);
  EXPECT_EQ(c.recorded, 3u);
  EXPECT_EQ(c.dropped, 1u);
  EXPECT_EQ(c.error, 0);
}

TEST(GoroutineSnapshotReader, EachBatchIsHandedOnWithTheRecordsSoFar) {
  // Batches of 2 words; a dropped thread is no record.
  const int fd = pipe_with({10, 20, 5000, PROFBUFD_GOROUTINE_DROPPED, 6000});
  std::vector<std::uint64_t> seen;
  const SnapshotCount c = read_snapshot(
      fd, SnapshotPacing{.batch = 2, .after_batch = [&](std::uint64_t n) { seen.push_back(n); }});
  close(fd);
  EXPECT_EQ(c.recorded, 4u);
  EXPECT_EQ(c.dropped, 1u);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{2, 3, 4}));
}

TEST(GoroutineSnapshotReader, CountsAddUpAcrossIteratorsKeepingTheFirstError) {
  SnapshotCount a{.recorded = 2, .dropped = 1};
  a += SnapshotCount{.recorded = 3, .error = 5};
  a += SnapshotCount{.error = 9};
  EXPECT_EQ(a.recorded, 5u);
  EXPECT_EQ(a.dropped, 1u);
  EXPECT_EQ(a.error, 5);
}

TEST(GoroutineSnapshotReader, AWordSplitAcrossReadsCountsOnce) {
  const int fd = pipe_with({1, 2, 3}, 3);
  const SnapshotCount c = read_snapshot(fd, SnapshotPacing{.batch = 2});
  close(fd);
  EXPECT_EQ(c.recorded, 3u);
  EXPECT_EQ(c.dropped, 0u);
}

TEST(GoroutineSnapshotReader, AFailedReadEndsThePartialSnapshotWithItsErrno) {
  const SnapshotCount c = read_snapshot(-1, SnapshotPacing{});
  EXPECT_EQ(c.error, EBADF);
  EXPECT_EQ(c.recorded, 0u);
}

}  // namespace
}  // namespace profbufd::kinds::goroutine
