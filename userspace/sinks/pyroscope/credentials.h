// Secrets for the push (--pyroscope-password-file, --pyroscope-token-file),
// read from files, never from the command line, where every user of the
// host can see them (ps, /proc/PID/cmdline).
#pragma once

#include <string>

#include "common/error.h"

namespace profbufd::pyroscope {

// The secret in the file `path`, named by `flag` in errors: the whole file
// without trailing whitespace (an editor's final newline). Fails
// (ExitCode::kUsage) when the file cannot be read or holds nothing, or
// holds a line break inside (two secrets, or a file that is not one).
// `world_readable` is set when every user may read the file, which the
// caller warns about.
Result<std::string> read_secret_file(const std::string& flag, const std::string& path,
                                     bool& world_readable);

}  // namespace profbufd::pyroscope
