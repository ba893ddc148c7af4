#include "capture/core_btf.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace profbufd::capture {
namespace {

class CoreBtfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/profbufd-btf-XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_, std::ios::binary) << source_;
  }
  void TearDown() override { std::remove(path_.c_str()); }

  BtfIdentity identity_of_source() const {
    return BtfIdentity{source_.size(),
                       static_cast<std::uint32_t>(crc32(
                           0, reinterpret_cast<const Bytef*>(source_.data()),
                           static_cast<uInt>(source_.size())))};
  }

  std::string source_ = std::string(200000, 'b') + "the kernel's types";
  std::vector<unsigned char> minimized_{0x9f, 0xeb, 1, 0, 42};
  std::string path_;
};

TEST_F(CoreBtfTest, IdentityIsSizeAndCrc32) {
  const int fd = ::open(path_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto id = btf_identity(fd);
  ::close(fd);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id.value(), identity_of_source());
}

TEST_F(CoreBtfTest, SameKernelGetsTheMinimizedBtfThroughAPath) {
  auto btf = CoreBtf::select(path_, identity_of_source(), minimized_);
  ASSERT_TRUE(btf.has_value());
  std::ifstream in(btf->path(), std::ios::binary);
  const std::vector<unsigned char> got{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(got, minimized_);
}

TEST_F(CoreBtfTest, AnyOtherKernelFallsBackToTheFullBtf) {
  BtfIdentity other = identity_of_source();
  other.crc32 ^= 1;
  EXPECT_FALSE(CoreBtf::select(path_, other, minimized_).has_value());
  other = identity_of_source();
  other.size += 1;
  EXPECT_FALSE(CoreBtf::select(path_, other, minimized_).has_value());
  EXPECT_FALSE(CoreBtf::select("/nonexistent/vmlinux", identity_of_source(), minimized_));
  EXPECT_FALSE(CoreBtf::select(path_, identity_of_source(), {}).has_value());
}

TEST_F(CoreBtfTest, MovedFromKeepsTheFileOpenOnce) {
  auto a = CoreBtf::select(path_, identity_of_source(), minimized_);
  ASSERT_TRUE(a.has_value());
  const std::string p = a->path();
  CoreBtf b(std::move(*a));
  a.reset();  // must not close b's descriptor
  EXPECT_EQ(b.path(), p);
  std::ifstream in(b.path(), std::ios::binary);
  EXPECT_TRUE(in.good());
}

}  // namespace
}  // namespace profbufd::capture
