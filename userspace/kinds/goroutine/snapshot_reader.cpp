#include "kinds/goroutine/snapshot_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "profbufd.h"

namespace profbufd::kinds::goroutine {

SnapshotCount read_snapshot(int fd, const SnapshotPacing& pacing) {
  SnapshotCount count;
  std::vector<std::uint64_t> words(std::max<std::size_t>(pacing.batch, 1));
  std::vector<unsigned char> carry;  // a word split across two reads (pipes)
  for (;;) {
    auto* buf = reinterpret_cast<unsigned char*>(words.data());
    const ssize_t n = ::read(fd, buf + carry.size(), words.size() * 8 - carry.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      count.error = errno;
      return count;
    }
    if (n == 0) return count;
    std::copy(carry.begin(), carry.end(), buf);
    const std::size_t bytes = carry.size() + static_cast<std::size_t>(n);
    const std::size_t whole = bytes / 8;
    carry.assign(buf + whole * 8, buf + bytes);
    for (std::size_t i = 0; i < whole; ++i) {
      if (words[i] == PROFBUFD_GOROUTINE_DROPPED)
        ++count.dropped;
      else
        ++count.recorded;
    }
    if (whole != 0 && pacing.after_batch) pacing.after_batch(count.recorded);
  }
}

}  // namespace profbufd::kinds::goroutine
