// Where tests/fixtures/cli lives. The Makefile compiles from the repository
// root, so __FILE__ is "tests/userspace/cli/..." and the fixtures are found
// relative to the directory the tests run in (the root, as `make test-unit`
// does); an absolute __FILE__ (other build setups) works from anywhere.
#pragma once

#include <string>

namespace profbufd::cli::testing {

inline std::string fixture(const std::string& relative) {
  std::string here = __FILE__;
  here.erase(here.rfind('/') + 1);  // ".../tests/userspace/cli/"
  return here + "../../fixtures/cli/" + relative;
}

}  // namespace profbufd::cli::testing
