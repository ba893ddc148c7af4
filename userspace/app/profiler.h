// One profbufd run, wired end to end:
//
//   capture (kinds' BPF programs + loader thread, app/capture_setup.h)
//     -> per-CPU ProfBuf -> Pipeline (reader -> publisher -> sinks, app/pipeline.h)
//   HTTP server (/metrics, /debug/pprof/profile) over the same pipeline
//   run loop (app/run_loop.h) on the calling thread: window schedule,
//     progress, SIGINT/SIGTERM
//
// SIGINT and SIGTERM must be blocked in every thread before run_profiler() is
// called (main does this first), so they are only ever taken by the run loop,
// synchronously, with sigtimedwait.
#pragma once

#include "cli/options.h"
#include "common/error.h"

namespace profbufd {

// Runs until --duration elapses or a signal arrives. Returns the exit code:
// kOk when every window was written, kWriteFailed when the last window could
// not be written, or an Error for a failure to start.
Result<ExitCode> run_profiler(const cli::Options& options);

}  // namespace profbufd
