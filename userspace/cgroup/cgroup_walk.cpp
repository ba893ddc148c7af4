#include "cgroup/cgroup_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

namespace profbufd::cgroup {
namespace {

// <linux/exportfs.h>'s FILEID_KERNFS, which userspace headers do not carry.
constexpr int kFileIdKernfs = 0xfe;

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

}  // namespace

Result<std::uint64_t> cgroup_id_at(int dirfd, const std::string& name) {
  // A handle big enough for any file system's, so that only a refusal (not
  // EOVERFLOW) sends us to the inode number.
  alignas(file_handle) unsigned char buf[sizeof(file_handle) + 128];
  auto* fh = reinterpret_cast<file_handle*>(buf);
  fh->handle_bytes = 128;
  int mount_id = 0;
  if (name_to_handle_at(dirfd, name.c_str(), fh, &mount_id, 0) == 0 &&
      fh->handle_type == kFileIdKernfs && fh->handle_bytes == sizeof(std::uint64_t)) {
    std::uint64_t id = 0;
    std::memcpy(&id, fh->f_handle, sizeof id);
    return id;
  }
  struct stat st {};
  if (fstatat(dirfd, name.c_str(), &st, 0) != 0)
    return make_error(ExitCode::kRuntime, "cgroup " + name, std::strerror(errno));
  return static_cast<std::uint64_t>(st.st_ino);
}

Result<std::vector<CgroupEntry>> walk_cgroups(const std::string& mount, std::size_t max_entries) {
  auto root_id = cgroup_id_at(AT_FDCWD, mount);
  if (!root_id) return root_id.error();
  std::vector<CgroupEntry> out{{*root_id, "/"}};
  // Depth first with a stack of paths, not of open directories: one
  // directory is open at a time, however wide the tree (1,000 containers
  // under one parent must not take 1,000 file descriptors).
  std::vector<std::string> stack{""};
  while (!stack.empty()) {
    const std::string rel = std::move(stack.back());
    stack.pop_back();
    std::unique_ptr<DIR, DirCloser> dir(opendir((mount + rel).c_str()));
    if (!dir) {
      if (rel.empty())
        return make_error(ExitCode::kRuntime, "opening " + mount, std::strerror(errno));
      continue;  // removed since it was listed
    }
    const int dfd = dirfd(dir.get());
    while (const dirent* e = readdir(dir.get())) {
      if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
      if (out.size() >= max_entries) return out;
      auto id = cgroup_id_at(dfd, e->d_name);
      if (!id) continue;  // removed meanwhile
      std::string path = rel + "/" + e->d_name;
      out.push_back({*id, path});
      stack.push_back(std::move(path));
    }
  }
  return out;
}

}  // namespace profbufd::cgroup
