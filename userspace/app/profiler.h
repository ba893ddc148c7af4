// One profbufd run, wired end to end:
//
//   Capture (BPF + loader thread) -> per-CPU ProfBuf -> Reader thread -> windows
//     -> WindowSink thread (symbolize, write files)
//
// The calling thread waits for signals and timers: it ends the run at
// --duration or on SIGINT/SIGTERM, starts a new window every --interval, and
// draws the progress line. SIGINT and SIGTERM must be blocked in every thread
// before run() is called (main does this first), so they are only ever taken
// here, synchronously, with sigtimedwait.
#pragma once

#include "cli/options.h"
#include "common/error.h"

namespace profbufd {

// Runs until --duration elapses or a signal arrives. Returns the exit code:
// kOk when every window was written, kWriteFailed when the last window could
// not be written, or an Error for a failure to start.
Result<ExitCode> run_profiler(const cli::Options& options);

}  // namespace profbufd
