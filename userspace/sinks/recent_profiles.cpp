#include "sinks/recent_profiles.h"

#include <algorithm>

#include "model/profile_bytes.h"

namespace profbufd {

RecentProfiles::RecentProfiles(std::size_t max_profiles, std::size_t max_bytes)
    : max_profiles_(std::max<std::size_t>(max_profiles, 1)), max_bytes_(max_bytes) {}

void RecentProfiles::on_profile(std::shared_ptr<const Profile> profile) {
  add(std::move(profile));
}

std::uint64_t RecentProfiles::add(std::shared_ptr<const Profile> profile) {
  const std::size_t bytes = approximate_bytes(*profile);
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  entries_.push_back(Entry{id, std::move(profile), bytes});
  bytes_ += bytes;
  while (entries_.size() > 1 && (entries_.size() > max_profiles_ || bytes_ > max_bytes_)) {
    bytes_ -= entries_.front().bytes;
    entries_.pop_front();
    ++evicted_;
  }
  return id;
}

std::vector<RecentProfiles::Stored> RecentProfiles::entries() const {
  std::lock_guard lock(mu_);
  std::vector<Stored> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(Stored{e.id, e.profile});
  return out;
}

RecentProfiles::Stored RecentProfiles::latest(std::string_view kind) const {
  std::lock_guard lock(mu_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->profile->metadata.kind == kind) return Stored{it->id, it->profile};
  return {};
}

RecentProfiles::Stored RecentProfiles::find(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  // Ids grow along the deque: a binary search would do, but 64 entries at most.
  for (const Entry& e : entries_)
    if (e.id == id) return Stored{e.id, e.profile};
  return {};
}

std::size_t RecentProfiles::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t RecentProfiles::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::uint64_t RecentProfiles::evicted() const {
  std::lock_guard lock(mu_);
  return evicted_;
}

}  // namespace profbufd
