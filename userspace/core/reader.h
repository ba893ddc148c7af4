// The reader stage: one thread that drains every per-CPU ProfBuf, routes each
// record to every open window of its kind whose time range holds it, and hands
// a window over once it has ended and the pipeline has had time to deliver its
// last records.
//
//   loader thread --(ProfBuf per CPU)--> Reader::run --> open windows
//                                                     \-> on_closed(window)
//
// A pass: drain every buffer and route (under mu_); then, without the lock,
// snapshot /proc/PID/maps of the processes first seen in that drain; then,
// under mu_ again, give the snapshots to the windows that wait for them and
// take the windows that are due; hand those over without the lock.
//
// Threads: run() is the reader thread. open_window / rotate / end_window are
// called from other threads (run loop, HTTP); they and the reader meet under
// mu_, which the reader holds twice per pass, never per record, and never
// while it reads /proc. on_closed callbacks run on the reader thread without
// mu_ held and must be quick (hand the window to a queue).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "core/aggregation.h"
#include "core/profbuf.h"
#include "core/stack_truncation.h"
#include "core/window.h"
#include "process/process_table.h"

namespace profbufd {

class Reader {
 public:
  using OnClosed = std::function<void(std::shared_ptr<Window>)>;
  // Failed ringbuf reservations so far, by kind (index = kind id), each
  // monotonic; read once per pass.
  using DropCounter = std::function<std::vector<std::uint64_t>()>;

  struct Options {
    std::chrono::milliseconds period{50};  // drain period: well under 100 ms
    // How long after a window's end the reader keeps taking its records: covers
    // the loader's own batching (ringbuf wakeup policy) plus one drain period.
    std::chrono::milliseconds grace{300};
  };

  // buffers[cpu] is the ProfBuf of that CPU, or null for a CPU not sampled.
  // kinds[id] aggregates records of kind `id` (null: no such kind; its records
  // are discarded and counted). Everything referenced must outlive the Reader.
  Reader(std::vector<ProfBuf*> buffers, ProcessTable& processes,
         std::vector<const Aggregation*> kinds, DropCounter drops, const Clock& clock,
         Options options);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  void start();
  // Call once every ProfBuf has been closed by the capture: drains them to EOF
  // (on the reader thread, or here if it was never started), ends every window
  // still open at `end_ns` and hands all of them over.
  void finish(std::uint64_t end_ns);
  // One pass on the calling thread, as the reader thread makes them. For tests
  // that drive the reader step by step; never while the thread runs.
  void run_pass();

  // Starts feeding `w` (its kind, start and end already set). `on_closed`
  // receives it once.
  void open_window(std::shared_ptr<Window> w, OnClosed on_closed);
  // Ends `current` at `at_ns` and opens `next` (starting at `at_ns`) in the same
  // step, so the two tile time; records of `current` that arrive after it was
  // handed over are taken by `next`.
  void rotate(const std::shared_ptr<Window>& current, std::shared_ptr<Window> next,
              std::uint64_t at_ns, OnClosed on_closed);
  // Ends `w` at `at_ns` (it is handed over after the grace period).
  void end_window(const std::shared_ptr<Window>& w, std::uint64_t at_ns);
  // Notes in every window open now (start <= now < end) that the settings
  // changed (Window::changes; `filters`: the kernel filters were among them).
  void note_change(const std::string& what, bool filters);

  // Running totals for progress and metrics; relaxed atomics written only by the
  // reader thread, read anywhere (no ordering with other data is implied).
  std::uint64_t samples() const { return samples_.load(std::memory_order_relaxed); }
  std::uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }
  std::uint64_t ringbuf_full() const { return ringbuf_full_.load(std::memory_order_relaxed); }
  std::uint64_t profbuf_overflow() const {
    return profbuf_overflow_.load(std::memory_order_relaxed);
  }
  // Records kept, but whose kernel or user stack could not be walked.
  std::uint64_t stack_unavailable() const {
    return stack_unavailable_.load(std::memory_order_relaxed);
  }
  // Records kept whose user stack stopped before the entry, by reason
  // (index into kTruncationNames, core/stack_truncation.h).
  std::uint64_t stacks_truncated(std::size_t reason) const {
    return truncated_[reason].load(std::memory_order_relaxed);
  }
  // Records of a kind nobody registered (never expected): discarded.
  std::uint64_t unknown_kind() const { return unknown_kind_.load(std::memory_order_relaxed); }

 private:
  struct Open {
    std::shared_ptr<Window> window;
    OnClosed on_closed;
    std::shared_ptr<Window> successor;  // set by rotate
  };

  void run();
  // One pass; returns true once stopping and every buffer reached EOF.
  bool pass();
  // One drain over every buffer (mu_ held); returns true when all reached EOF.
  bool drain_all();
  void consume(std::size_t cpu, const ProfBuf::ReadResult& r);
  void add_sample(std::size_t cpu, std::uint64_t time, std::span<const std::uint64_t> hdr,
                  std::span<const std::uint64_t> stack, const void* tag);
  void note_new_stack(Window& w, std::uint32_t pid, std::uint16_t epoch, std::uint64_t time,
                      const TaskIdentity& task);
  void add_overflow(std::size_t cpu, std::uint64_t time, std::uint64_t count);
  void account_drops(std::uint64_t now);
  // Reads the maps of the pids first seen in the last drain (no lock held).
  void resolve_new_pids();
  // Hands the snapshots read by resolve_new_pids() to the windows (mu_ held).
  void attach_maps();
  // Moves windows that are due (or all, if `all`) out of open_; callers deliver
  // them without the lock.
  std::vector<Open> take_due(std::uint64_t now, bool all);
  void deliver(std::vector<Open> due);

  std::vector<ProfBuf*> buffers_;
  ProcessTable& processes_;
  // By kind id, what the reader needs of it per record: how many accumulators
  // (0: no such kind) and a bit per accumulator that adds the record's value
  // (the others add 1). From Aggregation::accumulators(), asked once.
  struct KindRecipe {
    std::uint8_t accumulators = 0;
    std::uint8_t value_bits = 0;  // kValue and kSpan accumulators
    std::uint8_t span_bits = 0;   // of those, kSpan: clipped to each window's start
  };
  std::vector<KindRecipe> kinds_;
  DropCounter drops_;
  const Clock& clock_;
  Options options_;

  std::mutex mu_;
  std::vector<Open> open_;  // guarded by mu_
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_

  // Reader-thread state (the thread running passes).
  std::thread thread_;
  std::vector<bool> eof_;
  // Scratch: the stack key being routed (fixed words, then at most every frame).
  std::array<std::uint64_t, StackTable::kFixedWords + kMaxStackWords> key_;
  std::vector<std::uint64_t> drops_seen_;  // by kind
  // (program, record time) first seen by a window in this drain
  std::vector<std::pair<ProcessKey, std::uint64_t>> new_pids_;
  std::vector<std::pair<ProcessKey, ProcessTable::Snapshot>> resolved_;

  std::atomic<std::uint64_t> samples_{0};
  std::atomic<std::uint64_t> lost_{0};  // ringbuf_full_ + profbuf_overflow_
  std::atomic<std::uint64_t> ringbuf_full_{0};
  std::atomic<std::uint64_t> profbuf_overflow_{0};
  std::atomic<std::uint64_t> stack_unavailable_{0};
  std::atomic<std::uint64_t> unknown_kind_{0};
  std::array<std::atomic<std::uint64_t>, kTruncationReasons> truncated_{};
};

}  // namespace profbufd
