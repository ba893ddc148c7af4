// The push to Pyroscope, made from the command line (--pyroscope-*): the
// secrets read from their files, the libcurl transport, the sink.
#pragma once

#include <memory>

#include "cli/options.h"
#include "common/error.h"
#include "sinks/pyroscope/pyroscope_sink.h"

namespace profbufd {

// Null when no --pyroscope-url was given. Fails (ExitCode::kUsage) when a
// secret file cannot be read.
Result<std::shared_ptr<pyroscope::PyroscopeSink>> make_push_sink(const cli::Options& options);

}  // namespace profbufd
