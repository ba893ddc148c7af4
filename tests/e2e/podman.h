// Real containers for end-to-end tests: podman with runc and the cgroupfs
// manager, from a busybox image the test builds itself (no registry is
// reachable). On this kind of host (cgroup v1 and v2 side by side, a hard
// limit of 20,000 open files) crun refuses to run and podman's default
// open-file limit is above the hard one, hence the flags below. With the
// cgroupfs manager a container's cgroup v2 path is
// /libpod_parent/libpod-<64 hex>.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gate.h"
#include "subprocess.h"
#include "tools.h"

namespace profbufd::e2e {

inline constexpr const char* kPodman = "/usr/bin/podman";
inline constexpr const char* kTestImage = "localhost/profbufd-e2e-busybox:latest";

// Empty when podman, runc and busybox-static are installed; otherwise what is
// missing (make deps installs them).
inline std::string missing_container_tools() {
  for (const char* p : {kPodman, "/usr/sbin/runc", "/usr/bin/busybox"})
    if (access(p, X_OK) != 0) return std::string(p) + " missing (run: sudo make deps)";
  return {};
}

// The image: a root file system holding only a static busybox and its sh,
// imported once (podman import) and kept for later runs.
inline bool ensure_test_image(std::string& why) {
  if (run({kPodman, "image", "exists", kTestImage}).status == 0) return true;
  TempDir root;
  std::filesystem::create_directories(root.path / "bin");
  std::filesystem::copy_file("/usr/bin/busybox", root.path / "bin/busybox");
  for (const char* applet : {"sh", "sleep", "cat"})
    std::filesystem::create_symlink("busybox", root.path / "bin" / applet);
  const auto r = run({"/bin/sh", "-c",
                      "tar -C " + root.path.string() + " -c . | " + kPodman + " import - " +
                          kTestImage});
  if (r.status != 0) why = "podman import failed: " + r.err;
  return r.status == 0;
}

// One running container, removed (killed) at scope end.
class Container {
 public:
  // Runs `command` (argv inside the container) detached.
  explicit Container(std::vector<std::string> command) {
    std::vector<std::string> argv{kPodman,  "--runtime", "runc", "--cgroup-manager=cgroupfs",
                                  "run",    "-d",        "--ulimit", "nofile=1024:1024",
                                  "--ulimit", "nproc=1024:1024", kTestImage};
    argv.insert(argv.end(), command.begin(), command.end());
    const auto r = run(argv);
    if (r.status != 0) {
      error_ = "podman run failed: " + r.err;
      return;
    }
    id_ = r.out.substr(0, r.out.find('\n'));
    const auto pid = run({kPodman, "inspect", "-f", "{{.State.Pid}}", id_});
    if (pid.status == 0) host_pid_ = std::stoi(pid.out);
  }
  ~Container() {
    if (!id_.empty()) run({kPodman, "rm", "-f", "-t", "0", id_});
  }
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  bool ok() const { return id_.size() == 64 && host_pid_ > 0; }
  const std::string& error() const { return error_; }
  const std::string& id() const { return id_; }
  int host_pid() const { return host_pid_; }
  // As /proc/PID/cgroup prints it (0:: line).
  std::string cgroup() const { return "/libpod_parent/libpod-" + id_; }

 private:
  std::string id_, error_;
  int host_pid_ = 0;
};

}  // namespace profbufd::e2e

// After PROFBUFD_REQUIRE_BPF_OR_SKIP: container tests need podman too, and
// under CI a missing tool is a failure, like a missing privilege.
#define PROFBUFD_REQUIRE_PODMAN_OR_SKIP()                                     \
  do {                                                                        \
    std::string why_ = ::profbufd::e2e::missing_container_tools();            \
    if (why_.empty() && !::profbufd::e2e::ensure_test_image(why_) && why_.empty()) \
      why_ = "could not build the test image";                                \
    if (!why_.empty()) {                                                      \
      if (::profbufd::e2e::bpf_required())                                    \
        FAIL() << "container test prerequisite missing under CI: " << why_;   \
      GTEST_SKIP() << why_;                                                   \
    }                                                                         \
  } while (0)
