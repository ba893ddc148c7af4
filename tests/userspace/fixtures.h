// Where test fixtures live: tests/fixtures/<area>/, found from this header's own
// path. The Makefile compiles from the repository root and runs the tests there,
// so __FILE__ is "tests/userspace/fixtures.h"; an absolute __FILE__ (other build
// setups) works from anywhere.
#pragma once

#include <filesystem>
#include <string>

namespace profbufd::test {

inline std::string fixture(const std::string& area, const std::string& relative = {}) {
  std::filesystem::path p =
      std::filesystem::path(__FILE__).parent_path() / "../fixtures" / area;
  if (!relative.empty()) p /= relative;
  return p.lexically_normal().string();
}

}  // namespace profbufd::test
