#include "process/binary_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace profbufd::symbolize {

std::vector<BinaryCandidate> binary_candidates(const std::string& procfs_root, std::uint32_t pid,
                                               const MapEntry& entry) {
  std::vector<BinaryCandidate> out;
  if (!procfs_root.empty()) {
    const std::string proc_pid = procfs_root + "/" + std::to_string(pid);
    // A deleted file's path may name a newer file by now: only map_files is safe.
    // A path the snapshot saw undeleted may have been replaced since (a package
    // upgraded while the program runs): its inode must still be the mapped one.
    if (!entry.deleted) out.push_back({proc_pid + "/root" + entry.path, true});
    char range[64];
    std::snprintf(range, sizeof range, "/map_files/%llx-%llx",
                  static_cast<unsigned long long>(entry.start),
                  static_cast<unsigned long long>(entry.end));
    out.push_back({proc_pid + range, false});
  }
  if (!entry.deleted) out.push_back({entry.path, true});
  return out;
}

Result<Fd> open_mapped_file(const std::string& procfs_root, std::uint32_t pid,
                                  const MapEntry& entry) {
  std::string why = "no way to open it";
  const auto candidates = binary_candidates(procfs_root, pid, entry);
  bool only_permission_failures = !candidates.empty();
  for (const BinaryCandidate& c : candidates) {
    Fd fd(::open(c.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      const int err = errno;
      if (err != EACCES && err != EPERM) only_permission_failures = false;
      why = c.path + ": " + std::strerror(err);
      continue;
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
      only_permission_failures = false;
      why = c.path + ": " + std::strerror(errno);
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      only_permission_failures = false;
      why = c.path + ": not a regular file";
      continue;
    }
    if (c.check_inode && st.st_ino != entry.inode) {
      only_permission_failures = false;
      why = c.path + ": a different file than the one mapped (inode " + std::to_string(st.st_ino) +
            ", mapped " + std::to_string(entry.inode) + ")";
      continue;
    }
    return fd;
  }
  return make_error(only_permission_failures ? ExitCode::kNoPrivilege : ExitCode::kRuntime,
                    "opening " + entry.path + " of process " + std::to_string(pid), why);
}

}  // namespace profbufd::symbolize
