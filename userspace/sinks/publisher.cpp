#include "sinks/publisher.h"

#include <stdexcept>
#include <string>

#include "common/clock.h"
#include "common/heap_policy.h"

namespace profbufd {

Publisher::Publisher(Symbolizer& symbolizer, ProfileContext context,
                     std::vector<const kinds::Kind*> kinds, Labeler* labeler)
    : symbolizer_(symbolizer), context_(std::move(context)), kinds_(std::move(kinds)),
      labeler_(labeler) {
  thread_ = std::thread([this] { run(); });
}

Publisher::~Publisher() { finish(); }

void Publisher::push(std::shared_ptr<Window> window, Sinks sinks) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Job{std::move(window), std::move(sinks), monotonic_ns()});
  }
  cv_.notify_one();
}

void Publisher::finish() {
  {
    std::lock_guard lock(mu_);
    finishing_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Publisher::Stats Publisher::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.queued = queue_.size();
  return s;
}

void Publisher::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return finishing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // finishing and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    publish(job);
    // The window and the profile's transient state are freed with the job;
    // hand their pages back (common/heap_policy.h).
    job = Job{};
    release_free_heap();
  }
}

void Publisher::publish(const Job& job) {
  const Window& w = *job.window;
  const kinds::Kind* kind = w.kind < kinds_.size() ? kinds_[w.kind] : nullptr;
  if (kind == nullptr)  // windows are only opened for kinds the app has
    throw std::logic_error("Publisher: window of unknown kind " + std::to_string(w.kind));
  const std::uint64_t started = monotonic_ns();
  auto profile = std::make_shared<const Profile>(build_profile(w, *kind, symbolizer_, context_, labeler_));
  const std::uint64_t built = monotonic_ns();
  {
    // Only the counters under the lock: push() on the reader thread waits on it.
    std::lock_guard lock(mu_);
    stats_.unique_stacks = w.stacks.size();
  }
  for (const auto& sink : job.sinks) sink->on_profile(profile);
  const std::uint64_t delivered = monotonic_ns();
  std::lock_guard lock(mu_);
  ++stats_.built;
  stats_.queue_ns += started - job.pushed_ns;
  stats_.build_ns += built - started;
  stats_.deliver_ns += delivered - built;
}

}  // namespace profbufd
