// tests/fixtures/metrics/<name>.
#pragma once

#include <string>

#include "../fixtures.h"

namespace profbufd::metrics::testing {

inline std::string fixture(const std::string& name) {
  return profbufd::test::fixture("metrics", name);
}

}  // namespace profbufd::metrics::testing
