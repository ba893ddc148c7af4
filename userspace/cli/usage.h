// What `profbufd --help` and `profbufd --version` print.
#pragma once

#include <string>

namespace profbufd::cli {

// Every flag with its default, and the exit codes (kept in step with
// common/error.h's ExitCode and README.md). Ends with a newline.
std::string usage_text();

// "profbufd <version>\n".
std::string version_text();

}  // namespace profbufd::cli
