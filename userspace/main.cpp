// profbufd: system-wide eBPF CPU profiler. See README.md.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "app/profiler.h"
#include "cli/options.h"
#include "cli/preflight.h"
#include "cli/usage.h"
#include "common/heap_policy.h"

namespace {

int fail(const profbufd::Error& e) {
  std::fprintf(stderr, "%s\n", e.line().c_str());
  return static_cast<int>(e.code);
}

}  // namespace

int main(int argc, char** argv) {
  profbufd::limit_malloc_arenas();
  // Taken synchronously by the run loop (sigtimedwait); blocked before any thread
  // starts so every thread inherits the mask. SIGHUP re-reads --config.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A closed stdout/stderr pipe must not kill the profiler mid-write.
  signal(SIGPIPE, SIG_IGN);

  auto options = profbufd::cli::parse_options(argc, argv);
  if (!options.ok()) return fail(options.error());
  if (options->help) {
    std::fputs(profbufd::cli::usage_text().c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::fputs(profbufd::cli::version_text().c_str(), stdout);
    return 0;
  }
  if (auto st = profbufd::cli::preflight(*options); !st.ok()) return fail(st.error());

  auto result = profbufd::run_profiler(*options);
  if (!result.ok()) return fail(result.error());
  return static_cast<int>(result.value());
}
