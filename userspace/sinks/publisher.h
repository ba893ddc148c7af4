// The window-close stage: a thread that takes closed windows from the reader,
// builds each into a Profile (symbolizing: kallsyms, ELF reads) and hands the
// one Profile to every sink the window was opened for. Symbolizing and sinks'
// I/O happen here, so the reader thread never stalls on them.
//
//   Reader thread --push(window, sinks)--> queue --> publisher thread:
//     build_profile(window, kind) --> sink->on_profile(profile) for each sink
//
// One thread builds one window at a time, in order, so a slow window (a large
// binary's symbols loading, a file on a slow disk) holds up the ones behind
// it. The pipeline therefore runs two (app/pipeline.h): one for the periodic
// windows and one for HTTP requests, whose clients wait on theirs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/window.h"
#include "kinds/kind.h"
#include "model/profile_builder.h"
#include "sinks/sink.h"

namespace profbufd {

class Labeler;
class Symbolizer;

class Publisher {
 public:
  using Sinks = std::vector<std::shared_ptr<Sink>>;

  // kinds[id] is the Kind of windows of kind `id`. `labeler` (may be null:
  // no identity labels) is used on the publisher thread only. Every argument
  // must outlive the Publisher.
  Publisher(Symbolizer& symbolizer, ProfileContext context,
            std::vector<const kinds::Kind*> kinds, Labeler* labeler = nullptr);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Called on the reader thread: queues the window and returns at once.
  void push(std::shared_ptr<Window> window, Sinks sinks);
  // Builds and delivers everything queued, then stops the thread. Idempotent.
  void finish();

  // What the thread has done since construction (safe from any thread).
  struct Stats {
    std::uint64_t built = 0;          // windows built and handed to their sinks
    std::size_t queued = 0;           // waiting now, not counting one in progress
    std::uint64_t queue_ns = 0;       // summed over `built`: time from push() to the start
    std::uint64_t build_ns = 0;       // ... building the Profile (symbolizing, labels)
    std::uint64_t deliver_ns = 0;     // ... in the sinks (encoding, writing, pushing)
    std::uint64_t unique_stacks = 0;  // distinct stacks in the last window built
  };
  Stats stats() const;

 private:
  struct Job {
    std::shared_ptr<Window> window;
    Sinks sinks;
    std::uint64_t pushed_ns = 0;  // monotonic (common/clock.h)
  };
  void run();
  void publish(const Job& job);

  Symbolizer& symbolizer_;
  const ProfileContext context_;
  const std::vector<const kinds::Kind*> kinds_;
  Labeler* const labeler_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;         // guarded by mu_
  bool finishing_ = false;        // guarded by mu_
  Stats stats_;                   // guarded by mu_; stats() fills in `queued`
  std::thread thread_;
};

}  // namespace profbufd
