// Shared pieces of the end-to-end tests: a scratch directory and the real
// `go tool pprof`.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

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

// `go tool pprof ARGS...` with HOME/GOCACHE somewhere writable.
inline RunResult go_pprof(std::vector<std::string> args) {
  std::vector<std::string> argv{"/usr/bin/go", "tool", "pprof"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {"HOME=/tmp", "GOCACHE=/tmp/profbufd-e2e-gocache", "PPROF_TMPDIR=/tmp"});
}

}  // namespace profbufd::e2e
