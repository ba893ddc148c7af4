// The ends of programs under a pid, as the BPF side reports them
// (bpf/process.bpf.c): an exec (the pid runs another program from then on) or
// the exit of the process's last thread (the pid is free: a fork that never
// execs may take it as well as an exec). Each end carries its CLOCK_MONOTONIC
// time, which splits the pid's records between the ProcessTable's snapshots
// (process_table.h): a record up to that time was taken under the program that
// ended, a later one under its successor. The unwinder's thread adds ends as
// they are reported; the reader's thread takes them before it looks a pid up.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace profbufd {

class ProcessEnds {
 public:
  static constexpr std::size_t kMaxPending = 65536;

  enum class Why : std::uint8_t { kExec, kExit };
  struct End {
    std::uint32_t pid = 0;
    Why why = Why::kExit;
    std::uint64_t time_ns = 0;  // bpf_ktime_get_ns() at the exec or the exit
  };

  // Thread-safe. Past kMaxPending pending ends, the end is dropped and counted.
  void add(End e) {
    std::lock_guard lock(mu_);
    if (pending_.size() >= kMaxPending) {
      ++dropped_;
      return;
    }
    pending_.push_back(e);
  }
  // Thread-safe: the ends added since the last take(), in the order added.
  std::vector<End> take() {
    std::lock_guard lock(mu_);
    std::vector<End> out;
    out.swap(pending_);
    return out;
  }
  std::uint64_t dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }

  // Counted by the ProcessTable (its thread) and read by /metrics (any
  // thread): snapshots read anew for records after an exec, and after an exit
  // (a new process under a reused pid).
  void refreshed_one(Why why) {
    (why == Why::kExec ? after_exec_ : after_exit_).fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t refreshed(Why why) const {
    return (why == Why::kExec ? after_exec_ : after_exit_).load(std::memory_order_relaxed);
  }
  // Look-ups, likewise, that found no mappings for the program that ran: it
  // ended before it was ever read, or more programs ran under the pid since
  // than the table keeps. Their frames stay unnamed.
  enum class Missing : std::uint8_t { kEndedUnread, kOlderThanKept };
  void missing_one(Missing why) {
    (why == Missing::kEndedUnread ? ended_unread_ : older_than_kept_)
        .fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t missing(Missing why) const {
    return (why == Missing::kEndedUnread ? ended_unread_ : older_than_kept_)
        .load(std::memory_order_relaxed);
  }

 private:
  mutable std::mutex mu_;
  std::vector<End> pending_;
  std::uint64_t dropped_ = 0;
  std::atomic<std::uint64_t> after_exec_{0};
  std::atomic<std::uint64_t> after_exit_{0};
  std::atomic<std::uint64_t> ended_unread_{0};
  std::atomic<std::uint64_t> older_than_kept_{0};
};

}  // namespace profbufd
