#include "common/fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <utility>

namespace profbufd {
namespace {

TEST(Fd, MovesOwnershipAndClosesOnce) {
  Fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(a);
  const int raw = a.get();
  Fd b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(b.get(), raw);
  Fd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_NE(::fcntl(raw, F_GETFD), -1);  // still open
  c = Fd();
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // closed by the assignment
}

TEST(Fd, ReleaseHandsTheDescriptorOver) {
  Fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = a.release();
  EXPECT_FALSE(a);
  EXPECT_NE(::fcntl(raw, F_GETFD), -1);
  ::close(raw);
}

TEST(Fd, CloseReportsTheErrno) {
  Fd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(a.close(), 0);
  EXPECT_FALSE(a);
}

}  // namespace
}  // namespace profbufd
