#include "kinds/heap/libc_path.h"

#include <gtest/gtest.h>

namespace profbufd::kinds::heap {
namespace {

TEST(LibcPath, FindsDebiansLibcInMaps) {
  const std::string maps =
      "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1234   /usr/bin/heap workload\n"
      "7f1e2a000000-7f1e2a022000 r--p 00000000 08:01 5678   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7f1e2a022000-7f1e2a197000 r-xp 00022000 08:01 5678   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      "7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0      [stack]\n";
  EXPECT_EQ(find_libc(maps), "/usr/lib/x86_64-linux-gnu/libc.so.6");
}

TEST(LibcPath, FindsAVersionedLibcAndSkipsLookalikes) {
  const std::string maps =
      "7f00-7f01 r-xp 0 08:01 1 /opt/app/libcrypto.so.3\n"
      "7f01-7f02 r-xp 0 08:01 2 /opt/app/libc.so.6.bak\n"
      "7f02-7f03 r-xp 0 08:01 3 /lib/libc-2.31.so\n";
  EXPECT_EQ(find_libc(maps), "/lib/libc-2.31.so");
}

TEST(LibcPath, NoneInAStaticOrMuslProcess) {
  EXPECT_EQ(find_libc("00400000-00401000 r-xp 0 08:01 1 /usr/bin/static\n"
                      "7f00-7f01 r-xp 0 08:01 2 /lib/ld-musl-x86_64.so.1\n"
                      "7f01-7f02 r-xp 0 08:01 3 /lib/libc.so.6 (deleted)\n"),
            std::nullopt);
  EXPECT_EQ(find_libc(""), std::nullopt);
}

}  // namespace
}  // namespace profbufd::kinds::heap
