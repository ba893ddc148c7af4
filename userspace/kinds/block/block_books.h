// The block kind's books of one window: who was still blocked when it ended
// (kinds/block/still_blocked.h) and how many blocks the BPF side could not
// track meanwhile (its map was full), read from the kind's BPF map
// (kinds/block/blocked_threads.h) at begin() and end().
//
// Threads (see core/window_books.h): begin() and end() on the threads that
// open and end the window; the results after the hand-over. All meet under mu_.
// end() must run after the window's end time is set (the HTTP window ends
// first, then its books), so that a thread in the map is judged against an
// end that has already passed.
#pragma once

#include <array>
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

  void begin() override;
  void end() override;

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
  mutable std::mutex mu_;
  // All guarded by mu_. Counters: the source's at begin(), then the deltas.
  std::optional<std::array<std::uint64_t, 3>> at_begin_;
  std::optional<std::vector<BlockedThread>> at_end_;
  std::array<std::uint64_t, 3> delta_{};  // untracked, too_short, unfinished
};

}  // namespace profbufd::kinds::block
