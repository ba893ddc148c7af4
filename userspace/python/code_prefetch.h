// Reads the code objects of sampled Python frames soon after the samples
// arrive, not only when their window closes: a Python process that exits
// before then (a short script, a worker recycled) keeps its frames' names,
// from the resolver's cache (python/frame_resolver.h).
//
// The loader thread offers each record's frames (capture::PythonFrameObserver).
// A lossy filter of recently offered (pid, code object, tag) keys drops the
// ones already on their way; the others are queued, bounded, for a worker
// thread that resolves them. The loader never blocks and never allocates
// here: when the worker holds the queue or it is full, the frame is left for
// window close (counted as dropped), as it would have been without a prefetch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "capture/python_observer.h"

namespace profbufd::python {

class CodePrefetch final : public capture::PythonFrameObserver {
 public:
  // `resolve(pid, word0, word1)` names one frame into a cache; called on the
  // worker thread.
  using Resolve = std::function<void(std::uint32_t pid, std::uint64_t w0, std::uint64_t w1)>;

  static constexpr std::size_t kDefaultPending = 4096;
  static constexpr std::size_t kFilterSlots = 16384;  // a power of two

  explicit CodePrefetch(Resolve resolve, std::size_t max_pending = kDefaultPending);
  ~CodePrefetch() override;  // resolves what is queued, then joins the worker
  CodePrefetch(const CodePrefetch&) = delete;
  CodePrefetch& operator=(const CodePrefetch&) = delete;

  void python_frames(std::uint32_t pid, std::span<const std::uint64_t> words) override;

  struct Stats {
    std::uint64_t queued = 0;    // frames of a new code object queued for the worker
    std::uint64_t dropped = 0;   // ... not queued: the queue was full or busy
    std::uint64_t resolved = 0;  // ... the worker resolved
  };
  Stats stats() const;

 private:
  struct Item {
    std::uint32_t pid;
    std::uint64_t w0, w1;
  };

  void run();

  Resolve resolve_;
  const std::size_t max_pending_;
  std::vector<std::uint64_t> seen_;  // the filter; the loader thread's only
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Item> pending_;  // capacity max_pending_, never reallocated
  bool stop_ = false;
  std::atomic<std::uint64_t> queued_{0}, dropped_{0}, resolved_{0};
  std::thread worker_;  // last: started once everything above is
};

}  // namespace profbufd::python
