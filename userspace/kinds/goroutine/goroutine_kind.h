// The goroutine kind: every thread on the machine (or of the pid= asked for)
// at one instant, with its kernel and user stacks (bpf/goroutine.bpf.c), in
// the shape of Go's goroutine profile with threads in the place of
// goroutines:
//
//   sample_type  [goroutine/count], default "goroutine"
//   period_type  goroutine/count, period 1
//   values       [threads with that stack] (1: the pid/tid labels keep
//                every thread its own sample)
//
// Each sample is labelled state=R|S|D|T|t|X|Z|P|I, the thread's state as ps
// prints it.
//
// A snapshot, not a window over time: a request opens its window, snapshot()
// runs the task iterator to its end, a batch of threads at a time, each
// routed to the window by the reader (WindowBooks::note) before the next is
// made, and the window ends once the reader has them all. hold() makes
// snapshots take turns, so that no window holds another request's threads.
// Collected on request only: file windows (--profiles) have none.
//
// What is lost is counted: records that found the ring full are
// "[lost: ringbuf_full]" samples like any kind's; a snapshot whose iterator
// failed part way says so in the profile (details, comments) and in
// profbufd_goroutine_snapshot_errors_total.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <semaphore>

#include "kinds/goroutine/task_iterators.h"
#include "kinds/kind.h"

namespace profbufd::kinds::goroutine {

class GoroutineKind final : public Kind {
 public:
  // `settle`: how long a snapshot waits at most for the reader to take a
  // batch of its records (then goes on: what is lost is counted).
  explicit GoroutineKind(std::chrono::milliseconds settle = std::chrono::seconds(1))
      : settle_(settle) {}
  std::uint16_t id() const override;
  std::string_view name() const override { return "goroutine"; }
  ProfileShape shape() const override;
  // Snapshots come on request and wait for the ring between batches
  // (snapshot_reader.h): they need no ring space of their own.
  unsigned records_per_cpu_second() const override { return 0; }
  void values(std::span<const std::uint64_t> acc, std::span<std::int64_t> out) const override;
  void lost_values(std::uint64_t n, std::span<std::int64_t> out) const override;
  // state=<ps letter>.
  void labels(std::uint16_t flags, std::vector<Label>& out) const override;
  std::unique_ptr<WindowBooks> open_books(const Window& w) const override;
  // Reads the iterator of each pid asked for, else of every thread, a batch
  // at a time, each taken by the reader before the next.
  bool snapshot(Window& w) const override;
  // goroutine_threads (recorded), goroutine_snapshot_error (errno, 0: none).
  void finish(const Window& w, ProfileAssembly& a) const override;
  // One snapshot at a time (the Hold keeps the turn until the profile is made).
  Hold hold(std::span<const std::uint32_t> pids, std::string_view sample_type) const override;
  // Runs only while a snapshot is read, not one state: left out of
  // profbufd_kind_running.
  std::optional<bool> running() const override { return std::nullopt; }
  // profbufd_goroutine_snapshots_total, _threads_total, _lost_total{reason},
  // _snapshot_errors_total.
  void write_metrics(metrics::MetricWriter& w) const override;

  // Called once the BPF object is loaded (kinds/goroutine/goroutine_attach.cpp).
  void attached(std::shared_ptr<TaskIterators> iterators) const;

 private:
  const std::chrono::milliseconds settle_;
  // Set once by attached() (the attaching thread), read by HTTP workers: the
  // atomic shared_ptr orders its construction before its use.
  mutable std::atomic<std::shared_ptr<TaskIterators>> iterators_;
  // Taken by a request in hold() until its profile is made; a semaphore, not
  // a mutex: the Hold may be let go on another thread than the one that took it.
  std::shared_ptr<std::binary_semaphore> turn_ = std::make_shared<std::binary_semaphore>(1);
  // Totals for /metrics: written by snapshots (one at a time), read by
  // scrapes; relaxed, no other data is ordered by them.
  mutable std::atomic<std::uint64_t> snapshots_{0}, threads_{0}, dropped_{0}, errors_{0};
};

// The ps letter of an enum profbufd_task_state; "?" for another value.
std::string_view state_letter(std::uint16_t state);

}  // namespace profbufd::kinds::goroutine
