// The reader stage: one thread that drains every per-CPU ProfBuf, routes each
// sample to every open window whose time range holds it, and hands a window over
// once it has ended and the pipeline has had time to deliver its last samples.
//
//   loader thread --(ProfBuf per CPU)--> Reader::run --> open windows
//                                                     \-> on_closed(window)
//
// Threads: run() is the reader thread. open_window / rotate / stop are called
// from other threads (main, HTTP); they and the reader meet under mu_, which the
// reader holds once per drain pass, never per sample. on_closed callbacks run on
// the reader thread without mu_ held and must be quick (hand the window to a queue).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "process/process_table.h"
#include "core/window.h"
#include "core/profbuf.h"

namespace profbufd {

class Reader {
 public:
  using OnClosed = std::function<void(std::shared_ptr<Window>)>;
  // Total failed ringbuf reservations so far (monotonic), read once per pass.
  using DropCounter = std::function<std::uint64_t()>;

  struct Options {
    std::chrono::milliseconds period{50};  // drain period: well under 100 ms
    // How long after a window's end the reader keeps taking its samples: covers
    // the loader's own batching (ringbuf wakeup policy) plus one drain period.
    std::chrono::milliseconds grace{300};
  };

  // buffers[cpu] is the ProfBuf of that CPU, or null for a CPU not sampled.
  Reader(std::vector<ProfBuf*> buffers, ProcessTable& processes, DropCounter drops,
         Options options);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  void start();
  // Call once every ProfBuf has been closed by the capture: drains them to EOF,
  // ends every window still open at `end_ns` and hands all of them over.
  void finish(std::uint64_t end_ns);

  // Starts feeding `w` (its start/end already set). `on_closed` receives it once.
  void open_window(std::shared_ptr<Window> w, OnClosed on_closed);
  // Ends `current` at `at_ns` and opens `next` (starting at `at_ns`) in the same
  // step, so the two tile time; samples of `current` that arrive after it was
  // handed over are taken by `next`.
  void rotate(const std::shared_ptr<Window>& current, std::shared_ptr<Window> next,
              std::uint64_t at_ns, OnClosed on_closed);
  // Runs f(*w) under the reader's lock if `w` is still open (not yet handed
  // over); returns whether it ran. For fields the reader does not touch but the
  // consumer of the closed window reads (idle times): the lock orders the write
  // before the hand-over.
  bool update_open_window(const std::shared_ptr<Window>& w,
                          const std::function<void(Window&)>& f);
  // Ends `w` at `at_ns` (it is handed over after the grace period).
  void end_window(const std::shared_ptr<Window>& w, std::uint64_t at_ns);

  // Running totals for progress and metrics; relaxed atomics written only by the
  // reader thread, read anywhere (no ordering with other data is implied).
  std::uint64_t samples() const { return samples_.load(std::memory_order_relaxed); }
  std::uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }
  std::uint64_t ringbuf_full() const { return ringbuf_full_.load(std::memory_order_relaxed); }
  std::uint64_t profbuf_overflow() const {
    return profbuf_overflow_.load(std::memory_order_relaxed);
  }
  // Samples kept, but whose kernel or user stack could not be walked.
  std::uint64_t stack_unavailable() const {
    return stack_unavailable_.load(std::memory_order_relaxed);
  }


 private:
  struct Open {
    std::shared_ptr<Window> window;
    OnClosed on_closed;
    std::shared_ptr<Window> successor;  // set by rotate
  };

  void run();
  // One pass over every buffer; returns true when all of them reached EOF.
  bool drain_all();
  void consume(std::size_t cpu, const ProfBuf::ReadResult& r);
  void add_sample(std::size_t cpu, std::uint64_t time, std::span<const std::uint64_t> hdr,
                  std::span<const std::uint64_t> stack, const void* tag);
  void add_overflow(std::size_t cpu, std::uint64_t time, std::uint64_t count);
  void account_drops(std::uint64_t now);
  // Moves windows that are due (or all, if `all`) out of open_; callers deliver
  // them without the lock.
  std::vector<Open> take_due(std::uint64_t now, bool all);
  void deliver(std::vector<Open> due);

  std::vector<ProfBuf*> buffers_;
  ProcessTable& processes_;
  DropCounter drops_;
  Options options_;

  std::mutex mu_;
  std::vector<Open> open_;  // guarded by mu_
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_

  // Reader-thread state.
  std::thread thread_;
  std::vector<bool> eof_;
  std::vector<std::uint64_t> key_;  // scratch: stack key being routed
  std::uint64_t drops_seen_ = 0;

  std::atomic<std::uint64_t> samples_{0};
  std::atomic<std::uint64_t> lost_{0};  // ringbuf_full_ + profbuf_overflow_
  std::atomic<std::uint64_t> ringbuf_full_{0};
  std::atomic<std::uint64_t> profbuf_overflow_{0};
  std::atomic<std::uint64_t> stack_unavailable_{0};
};

}  // namespace profbufd
