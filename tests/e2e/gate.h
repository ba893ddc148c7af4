// Gate for privileged end-to-end tests.
//
// They need root (CAP_BPF + CAP_PERFMON) and a kernel with BTF. Without them a
// test skips with the reason -- unless CI=true or PROFBUFD_REQUIRE_BPF=1 is set,
// in which case the missing prerequisite is a failure: CI must run these tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace profbufd::e2e {

inline bool bpf_required() {
  const char* ci = std::getenv("CI");
  const char* req = std::getenv("PROFBUFD_REQUIRE_BPF");
  return (ci && std::string(ci) == "true") || (req && std::string(req) == "1");
}

// Empty when the end-to-end prerequisites are present; otherwise why not.
inline std::string missing_bpf_prerequisite() {
  if (geteuid() != 0) return "not root (run: sudo make test)";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
  return {};
}

// Directory holding build outputs (profbufd, tests/programs/...).
inline std::string build_dir() {
  const char* b = std::getenv("PROFBUFD_BUILD");
  return b ? b : "build";
}

}  // namespace profbufd::e2e

// Use at the top of every privileged test body.
#define PROFBUFD_REQUIRE_BPF_OR_SKIP()                                        \
  do {                                                                        \
    const std::string why_ = ::profbufd::e2e::missing_bpf_prerequisite();     \
    if (!why_.empty()) {                                                      \
      if (::profbufd::e2e::bpf_required())                                    \
        FAIL() << "end-to-end prerequisite missing under CI: " << why_;       \
      GTEST_SKIP() << why_;                                                   \
    }                                                                         \
  } while (0)
