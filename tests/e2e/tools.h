// Shared pieces of the end-to-end tests: a scratch directory, the spin_chain
// workload, reading the files profbufd wrote, a series of its /metrics, and
// the real `go tool pprof`.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gate.h"
#include "subprocess.h"

namespace profbufd::e2e {

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/profbufd-e2e-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

// tests/programs/spin_chain ARGS..., started for one test: the busy workload
// the end-to-end tests profile. Constructed once it has printed "pid N" (its
// threads run).
struct SpinChain {
  explicit SpinChain(std::vector<std::string> args) : proc([&] {
    std::vector<std::string> argv{build_dir() + "/tests/programs/spin_chain"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }()) {
    const std::string line = proc.read_line();
    EXPECT_EQ(line.rfind("pid ", 0), 0u) << "spin_chain did not start: " << line;
  }
  // As profiles label it.
  std::uint32_t pid() const { return static_cast<std::uint32_t>(proc.pid()); }
  Subprocess proc;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
inline int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The files in `dir` whose names end in `ext`, sorted (profbufd's names sort
// by time).
inline std::vector<std::filesystem::path> files_with(const std::filesystem::path& dir,
                                                     const std::string& ext) {
  std::vector<std::filesystem::path> v;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      v.push_back(e.path());
  }
  std::sort(v.begin(), v.end());
  return v;
}

// The value of one series in Prometheus text, e.g.
// metric(text, "profbufd_stacks_truncated_total{reason=\"depth_limit\"}").
inline std::optional<double> metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

// `go tool pprof ARGS...` with HOME/GOCACHE somewhere writable.
inline RunResult go_pprof(std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/go", "tool", "pprof"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {"HOME=/tmp", "GOCACHE=/tmp/profbufd-e2e-gocache", "PPROF_TMPDIR=/tmp"});
}

}  // namespace profbufd::e2e
