// The block kind's books of one window: who was still blocked when it ended
// (kinds/block/still_blocked.h) and how many blocks the BPF side could not
// track meanwhile (its map was full), read from the kind's BPF map
// (kinds/block/blocked_threads.h) at begin() and end().
//
// The map is read at some instant X near the window's end E, before or after
// it (a file window's books end at the run loop's tick after E; the last
// window's, at shutdown, before the reader sets E). A thread the map shows
// blocked at X that woke before E has its record in the window: note() sees
// every record later than X and keeps its thread, whose block is then not
// charged again (kinds/block/still_blocked.h).
//
// Threads (see core/window_books.h): begin() and end() on the threads that
// open and end the window, note() on the reader thread; the results after
// the hand-over. begin(), end() and the results meet under mu_; note() reads
// X through an atomic (end() stores it, release, before reading the map; the
// reader loads it, acquire), and its set of threads is ordered before the
// results by the reader's hand-over.
#pragma once

#include <array>
#include <atomic>
#include <limits>
#include <unordered_set>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/window_books.h"
#include "kinds/block/blocked_threads.h"

namespace profbufd::kinds::block {

class BlockBooks final : public WindowBooks {
 public:
  explicit BlockBooks(std::shared_ptr<const BlockedThreads> source);

  void note(HeaderWords header, std::uint64_t time_ns, std::span<const std::uint64_t>) override;
  void begin() override;
  void end() override;
  // Threads with a record in the window later than the map's reading.
  const std::unordered_set<std::uint32_t>& woke_after_reading() const { return woke_; }

  // The map as end() read it; nullopt until end() ran.
  std::optional<std::vector<BlockedThread>> at_end() const;
  // Blocks not tracked between begin() and end() (0 until both ran).
  std::uint64_t untracked() const;
  // Blocks shorter than the minimum between begin() and end().
  std::uint64_t too_short() const;
  // Recorded blocks lost unfinished between begin() and end().
  std::uint64_t unfinished() const;

 private:
  const std::shared_ptr<const BlockedThreads> source_;
  std::atomic<std::uint64_t> read_at_ns_{std::numeric_limits<std::uint64_t>::max()};
  std::unordered_set<std::uint32_t> woke_;  // the reader thread's
  mutable std::mutex mu_;
  // All guarded by mu_. Counters: the source's at begin(), then the deltas.
  std::optional<std::array<std::uint64_t, 3>> at_begin_;
  std::optional<std::vector<BlockedThread>> at_end_;
  std::array<std::uint64_t, 3> delta_{};  // untracked, too_short, unfinished
};

}  // namespace profbufd::kinds::block
