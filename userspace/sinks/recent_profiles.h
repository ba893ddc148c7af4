// The in-memory store of the most recent closed profiles (the web page and its
// JSON endpoints read it), bounded by count and by bytes (model/profile_bytes.h).
// The newest profile is always kept, even alone above the byte bound: it is
// the one a reader wants. Every profile gets an id when it arrives (1, 2, ...
// in arrival order, never reused during a run), by which the page asks for
// it again (GET /api/flamegraph?id=N).
//
// Threads: on_profile() on the publisher thread; add() and the readers on
// HTTP threads.
// All state under one mutex; profiles are shared immutable objects, so a
// reader keeps its copy alive after it was evicted here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "sinks/sink.h"

namespace profbufd {

class RecentProfiles final : public Sink {
 public:
  static constexpr std::size_t kDefaultMaxProfiles = 64;
  static constexpr std::size_t kDefaultMaxBytes = 8u << 20;

  // max_profiles >= 1.
  RecentProfiles(std::size_t max_profiles = kDefaultMaxProfiles,
                 std::size_t max_bytes = kDefaultMaxBytes);

  void on_profile(std::shared_ptr<const Profile> profile) override;
  // The same, from any thread; returns the id the profile got.
  std::uint64_t add(std::shared_ptr<const Profile> profile);

  struct Stored {
    std::uint64_t id = 0;
    std::shared_ptr<const Profile> profile;  // null: none
  };

  // Oldest first.
  std::vector<Stored> entries() const;
  // The newest profile of `kind`; a null profile when there is none.
  Stored latest(std::string_view kind) const;
  // The profile stored with `id`, if it is still held.
  Stored find(std::uint64_t id) const;

  std::size_t size() const;
  std::size_t bytes() const;  // estimated heap bytes of the profiles held
  std::uint64_t evicted() const;

 private:
  struct Entry {
    std::uint64_t id;
    std::shared_ptr<const Profile> profile;
    std::size_t bytes;
  };
  const std::size_t max_profiles_;
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // guarded by mu_; oldest first
  std::size_t bytes_ = 0;      // guarded by mu_
  std::uint64_t evicted_ = 0;  // guarded by mu_
  std::uint64_t next_id_ = 1;  // guarded by mu_
};

}  // namespace profbufd
