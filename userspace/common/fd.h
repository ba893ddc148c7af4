// An owned file descriptor, closed exactly once on every path out of its scope.
#pragma once

#include <unistd.h>

#include <cerrno>

namespace profbufd {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and returns close(2)'s errno, 0 on success: on NFS and some
  // other file systems close is where a deferred write error surfaces.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

}  // namespace profbufd
