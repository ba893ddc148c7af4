// tests/fixtures/cli/<relative>.
#pragma once

#include <string>

#include "../fixtures.h"

namespace profbufd::cli::testing {

inline std::string fixture(const std::string& relative) {
  return profbufd::test::fixture("cli", relative);
}

}  // namespace profbufd::cli::testing
