// Where tests/fixtures/metrics lives, relative to this source file (the Makefile
// compiles from the repository root and runs the tests there).
#pragma once

#include <string>

namespace profbufd::metrics::testing {

inline std::string fixture(const std::string& name) {
  std::string here = __FILE__;
  here.erase(here.rfind('/') + 1);  // ".../tests/userspace/metrics/"
  return here + "../../fixtures/metrics/" + name;
}

}  // namespace profbufd::metrics::testing
