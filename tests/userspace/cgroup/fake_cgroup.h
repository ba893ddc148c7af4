// A directory laid out like a cgroup v2 one, for tests that stand a scratch
// directory in for the cgroup2 mount.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace profbufd::test {

// A 64-hex-digit container id, as the runtimes name cgroups with.
inline const std::string kContainerId =
    "4b6a08aaa2e993a545800fb6d162daab1d8479739c3c0994ab219532e70dbafc";

// Creates `dir` (and its parents) with a cgroup.procs file inside, as
// cgroupfs has; returns its inode number, which stands in for the cgroup id.
inline std::uint64_t make_cgroup(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/cgroup.procs") << "";
  struct stat st {};
  EXPECT_EQ(::stat(dir.c_str(), &st), 0);
  return st.st_ino;
}

}  // namespace profbufd::test
