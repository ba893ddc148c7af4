// A cgroup v2 directory of its own for one end-to-end test, removed at the
// end (the tests that filter by cgroup share it).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace profbufd::e2e {

// The mount point of the cgroup v2 hierarchy, or "" if there is none.
inline std::string cgroup2_mount() {
  std::ifstream mounts("/proc/mounts");
  std::string dev, dir, type, rest;
  while (mounts >> dev >> dir >> type && std::getline(mounts, rest))
    if (type == "cgroup2") return dir;
  return {};
}

// A cgroup v2 of its own for one test, removed at the end.
struct Cgroup {
  explicit Cgroup(const std::string& name) {
    const std::string mount = cgroup2_mount();
    if (mount.empty()) return;
    path = mount + "/" + name;
    std::filesystem::create_directory(path);
  }
  // A cgroup with members cannot be removed: give members killed just
  // before (their reaping is asynchronous) a second to go.
  ~Cgroup() {
    if (path.empty()) return;
    for (int i = 0; i < 100 && ::rmdir(path.c_str()) != 0 && errno == EBUSY; ++i)
      ::usleep(10 * 1000);
  }
  bool add(int pid) const {
    std::ofstream procs(path + "/cgroup.procs");
    procs << pid << std::flush;
    return static_cast<bool>(procs);
  }
  // What bpf_get_current_cgroup_id() returns for its members: the kernfs id,
  // which is the directory's inode number.
  std::uint64_t id() const {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }
  std::string path;
};

}  // namespace profbufd::e2e
