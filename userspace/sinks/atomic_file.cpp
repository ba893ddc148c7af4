#include "sinks/atomic_file.h"
#include "common/fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace profbufd {
namespace {

// Distinguishes temporary files of concurrent writes within this process.
// Only uniqueness matters, no ordering with other memory: relaxed on both
// sides (every caller is both sides).
std::atomic<std::uint64_t> g_temp_counter{0};

std::string hint_for(int err, const std::string& dir) {
  switch (err) {
    case ENOSPC:
    case EDQUOT: return "free space in " + dir + " or keep fewer profiles";
    case EROFS: return dir + " is on a read-only file system";
    case EACCES:
    case EPERM: return "make " + dir + " writable for profbufd";
    case ENOENT:
    case ENOTDIR: return "create the directory " + dir;
    default: return {};
  }
}

Error write_error(const std::string& dir, const std::string& path,
                  const char* step, int err) {
  return make_error(ExitCode::kWriteFailed, "writing " + path,
                    std::string(step) + ": " + std::strerror(err),
                    hint_for(err, dir));
}


int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace

Status write_file_atomically(const std::string& dir, std::string_view name,
                             std::string_view bytes) {
  return write_file_atomically_in_pieces(
      dir, name, [bytes](const PieceWriter& write) { write(bytes); });
}

Status write_file_atomically_in_pieces(const std::string& dir, std::string_view name,
                                       const std::function<void(const PieceWriter&)>& produce) {
  const std::string path = dir + "/" + std::string(name);
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." ||
      name == "..")
    return make_error(ExitCode::kWriteFailed, "writing " + path,
                      "not a plain file name");

  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = dir + "/." + std::string(name) + ".tmp." + std::to_string(::getpid()) +
          "." + std::to_string(g_temp_counter.fetch_add(1, std::memory_order_relaxed));
    // O_EXCL: never truncate or follow someone else's file or symlink.
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && (errno != EEXIST || attempt >= 16))
      return write_error(dir, path, "creating a temporary file", errno);
  }
  Fd file(fd);

  auto fail = [&](const char* step, int err) {
    ::unlink(tmp.c_str());  // best effort: the error reported is `err`
    return write_error(dir, path, step, err);
  };
  int write_err = 0;
  try {
    produce([&](std::string_view piece) {
      if (write_err == 0) write_err = write_all(file.get(), piece);
    });
  } catch (...) {
    ::unlink(tmp.c_str());  // a producer that throws leaves nothing behind
    throw;
  }
  if (write_err) return fail("write", write_err);
  if (::fsync(file.get()) != 0) return fail("fsync", errno);
  if (int err = file.close()) return fail("close", err);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename", errno);

  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return write_error(dir, path, "opening the directory to fsync", errno);
  Fd d(dfd);
  // EINVAL: the file system cannot sync directories (some FUSE, old NFS);
  // nothing more can be done there, and the rename has happened.
  if (::fsync(d.get()) != 0 && errno != EINVAL)
    return write_error(dir, path, "fsync of the directory", errno);
  return ok_status();
}

}  // namespace profbufd
