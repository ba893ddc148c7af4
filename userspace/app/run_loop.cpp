#include "app/run_loop.h"

#include <signal.h>
#include <time.h>

#include <algorithm>

#include "app/file_windows.h"

namespace profbufd {

int SignalWaiter::wait_until(std::uint64_t deadline_ns) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  const std::uint64_t now = monotonic_ns();
  const std::uint64_t wait = deadline_ns > now ? deadline_ns - now : 0;
  timespec ts{static_cast<time_t>(wait / 1'000'000'000ULL),
              static_cast<long>(wait % 1'000'000'000ULL)};
  const int sig = sigtimedwait(&stop_signals, nullptr, &ts);
  return sig == SIGINT || sig == SIGTERM || sig == SIGHUP ? sig : 0;
}

int RunLoop::run() {
  for (;;) {
    const std::uint64_t now = clock.monotonic_ns();
    for (;;) {
      const WindowSchedule::Step step = schedule.next(now);
      if (step.action == WindowSchedule::Action::kNone) break;
      if (step.action == WindowSchedule::Action::kStop) return 0;
      if (files == nullptr) continue;
      if (step.action == WindowSchedule::Action::kBook) files->book(step.at);
      if (step.action == WindowSchedule::Action::kBoundary) files->boundary();
    }
    if (on_tick) on_tick(now);
    const std::uint64_t next_tick = on_tick && tick_ns < UINT64_MAX - now ? now + tick_ns
                                                                          : UINT64_MAX;
    const int sig = waiter.wait_until(std::min(schedule.wake_at(now), next_tick));
    if (sig == SIGHUP) {
      if (on_reload) on_reload();
    } else if (sig != 0) {
      return sig;
    }
  }
}

}  // namespace profbufd
