// The pids whose process exec'd another program: their snapshots in the
// ProcessTable (process_table.h) describe the program before, and must be
// read again. The unwinder's thread adds them as the BPF side reports each
// exec (bpf/process.bpf.c); the reader's thread takes them before it looks a
// pid up. An exit is not one: a process that exited keeps its snapshot, so
// that its last samples are still named.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace profbufd {

class ExecEvents {
 public:
  static constexpr std::size_t kMaxPending = 65536;

  // Thread-safe. Past kMaxPending pending pids, the pid is dropped and counted.
  void add(std::uint32_t pid) {
    std::lock_guard lock(mu_);
    if (pending_.size() >= kMaxPending) {
      ++dropped_;
      return;
    }
    pending_.push_back(pid);
  }
  // Thread-safe: the pids added since the last take().
  std::vector<std::uint32_t> take() {
    std::lock_guard lock(mu_);
    std::vector<std::uint32_t> out;
    out.swap(pending_);
    return out;
  }
  std::uint64_t dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
  }
  // Snapshots the ProcessTable dropped for an exec (its thread), and read by
  // /metrics (any thread).
  void refreshed_one() { refreshed_.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t refreshed() const { return refreshed_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  std::vector<std::uint32_t> pending_;
  std::uint64_t dropped_ = 0;
  std::atomic<std::uint64_t> refreshed_{0};
};

}  // namespace profbufd
