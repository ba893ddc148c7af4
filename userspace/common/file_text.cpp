#include "common/file_text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.h"

namespace profbufd {

FileText read_file_text(const std::string& path) {
  FileText out;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    out.err = errno;
    return out;
  }
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.err = errno;
      out.text.clear();
      return out;
    }
    if (n == 0) return out;
    out.text.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace profbufd
