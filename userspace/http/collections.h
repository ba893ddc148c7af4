// The profile windows HTTP requests have open: a bound on how many run at once,
// and a way to abandon them all at shutdown without waiting for them.
//
// ProfileSource::collect blocks for the whole window (up to
// kMaxProfileSeconds) and cannot be cancelled. Were it called on the HTTP
// worker thread, stopping the server would wait for every window in flight,
// far past a systemd stop timeout. So each window runs on a thread of its own,
// and the worker waits for it *or* for shutdown(), whichever comes first:
//
//   worker:      collect() --start--> window thread: source.collect(request)
//      |  waits on cv_                      |  stores the result, frees the slot,
//      |  <------------- notify ------------+  notifies cv_
//      '--> returns the profile, or "shutting down" as soon as shutdown() runs
//
// Invariants (all state under mu_, no atomics):
// - active_ <= max_concurrent_: a slot is taken before a window thread
//   starts and freed by that thread when source.collect returns, so the bound
//   counts windows open in the source, not requests still being answered;
// - after shutdown() no new window starts;
// - every window thread is joined: finished ones by the next collect(), the
//   rest by the destructor, which therefore waits until the source returns
//   from collect (it does once sampling stops).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "http/profile_source.h"
#include "model/profile.h"

namespace profbufd::http {

class Collections {
 public:
  // `source` must outlive this object. `on_busy` runs (without mu_ held) for
  // every request refused because every slot is taken (Failure::kBusy).
  Collections(ProfileSource& source, std::size_t max_concurrent,
              std::function<void()> on_busy = {});
  ~Collections();
  Collections(const Collections&) = delete;
  Collections& operator=(const Collections&) = delete;

  enum class Failure {
    kNone,
    kBusy,          // max_concurrent windows already open: refused at once
    kShuttingDown,  // shutdown() ran before the window completed
    kSource,        // the source failed the window (e.g. sampling stopped)
  };

  struct Outcome {
    Failure failure = Failure::kNone;
    // Set exactly when failure == kNone.
    std::shared_ptr<const Profile> profile;
    // When failure != kNone: why, one line, for the 503 body.
    Error error;
  };

  // Opens a window for `request` in the source and blocks until it completes,
  // or returns at once when every slot is taken or shutdown() has run.
  Outcome collect(const ProfileSource::Request& request);

  // Wakes every collect() still waiting (they return kShuttingDown) and
  // refuses new ones. Does not wait for the source. Idempotent.
  void shutdown();

  // Windows open in the source right now.
  std::size_t active() const;

 private:
  struct Window {
    // Guarded by Collections::mu_.
    bool done = false;
    std::unique_ptr<Result<std::shared_ptr<const Profile>>> result;
  };
  struct Runner {
    std::thread thread;
    std::shared_ptr<Window> window;
  };

  void run(ProfileSource::Request request, std::shared_ptr<Window> window);
  // Joins window threads that have finished. Called with mu_ not held.
  void reap();

  ProfileSource& source_;
  const std::size_t max_concurrent_;
  const std::function<void()> on_busy_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // signalled when a window completes or on shutdown
  std::size_t active_ = 0;      // guarded by mu_
  bool shutting_down_ = false;  // guarded by mu_
  std::list<Runner> runners_;   // guarded by mu_
};

}  // namespace profbufd::http
