#include "capture/core_btf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "common/fd.h"

namespace profbufd::capture {

Result<BtfIdentity> btf_identity(int fd) {
  BtfIdentity id;
  uLong crc = crc32(0L, Z_NULL, 0);
  unsigned char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(ExitCode::kRuntime, "reading BTF", std::strerror(errno));
    if (n == 0) break;
    crc = crc32(crc, buf, static_cast<uInt>(n));
    id.size += static_cast<std::uint64_t>(n);
  }
  id.crc32 = static_cast<std::uint32_t>(crc);
  return id;
}

CoreBtf::CoreBtf(int fd) : fd_(fd), path_("/proc/self/fd/" + std::to_string(fd)) {}

CoreBtf::CoreBtf(CoreBtf&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

CoreBtf::~CoreBtf() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<CoreBtf> CoreBtf::select(const std::string& vmlinux, const BtfIdentity& expected,
                                       std::span<const unsigned char> minimized) {
  if (minimized.empty()) return std::nullopt;
  Fd source(::open(vmlinux.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) return std::nullopt;
  auto id = btf_identity(source.get());
  if (!id.ok() || !(id.value() == expected)) return std::nullopt;

  const int mfd = memfd_create("profbufd-core-btf", MFD_CLOEXEC);
  if (mfd < 0) return std::nullopt;
  CoreBtf btf(mfd);
  std::size_t off = 0;
  while (off < minimized.size()) {
    const ssize_t n = ::write(mfd, minimized.data() + off, minimized.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    off += static_cast<std::size_t>(n);
  }
  return btf;
}

}  // namespace profbufd::capture
