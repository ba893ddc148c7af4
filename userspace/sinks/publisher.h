// The window-close stage: a thread that takes closed windows from the reader,
// builds each into a Profile (symbolizing: kallsyms, ELF reads) and hands the
// one Profile to every sink the window was opened for. Symbolizing and sinks'
// I/O happen here, so the reader thread never stalls on them.
//
//   Reader thread --push(window, sinks)--> queue --> publisher thread:
//     build_profile(window, kind) --> sink->on_profile(profile) for each sink
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

  // Distinct stacks in the last window built.
  std::uint64_t last_unique_stacks() const;
  std::uint64_t profiles_built() const;

 private:
  struct Job {
    std::shared_ptr<Window> window;
    Sinks sinks;
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
  std::uint64_t unique_stacks_ = 0, built_ = 0;  // guarded by mu_
  std::thread thread_;
};

}  // namespace profbufd
