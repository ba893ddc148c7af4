#include "http/collections.h"

#include <system_error>
#include <utility>

namespace profbufd::http {
namespace {

Collections::Outcome failed(Collections::Failure f, Error e) {
  Collections::Outcome o;
  o.failure = f;
  o.error = std::move(e);
  return o;
}

Error shutting_down() {
  return make_error(ExitCode::kRuntime, "profile", "profbufd is shutting down",
                    "retry once it runs again");
}

}  // namespace

Collections::Collections(ProfileSource& source, std::size_t max_concurrent,
                         std::function<void()> on_busy)
    : source_(source), max_concurrent_(max_concurrent), on_busy_(std::move(on_busy)) {}

Collections::~Collections() {
  shutdown();
  std::list<Runner> all;
  {
    std::lock_guard lock(mu_);
    all.swap(runners_);
  }
  // Waits for the source to return from every open window: callers stop
  // sampling first (the source then fails open windows promptly).
  for (Runner& r : all) r.thread.join();
}

Collections::Outcome Collections::collect(const ProfileSource::Request& request) {
  reap();
  auto window = std::make_shared<Window>();
  std::unique_lock lock(mu_);
  if (shutting_down_) return failed(Failure::kShuttingDown, shutting_down());
  if (active_ >= max_concurrent_) {
    const std::size_t active = active_;
    lock.unlock();
    if (on_busy_) on_busy_();
    return failed(Failure::kBusy,
                  make_error(ExitCode::kRuntime, "profile",
                             std::to_string(active) +
                                 " profiles are being collected already, the most at once",
                             "retry when one of them is done"));
  }
  ++active_;
  runners_.push_back(Runner{{}, window});
  try {
    runners_.back().thread = std::thread(&Collections::run, this, request, window);
  } catch (const std::system_error& e) {
    // Out of threads (EAGAIN): an expected failure under load, not a bug.
    runners_.pop_back();
    --active_;
    return failed(Failure::kBusy, make_error(ExitCode::kRuntime, "profile",
                                             std::string("cannot start a thread: ") + e.what(),
                                             "retry later"));
  }
  cv_.wait(lock, [&] { return window->done || shutting_down_; });
  // A window that completed before shutdown was noticed is still served.
  if (!window->done) return failed(Failure::kShuttingDown, shutting_down());
  Result<std::shared_ptr<const Profile>>& r = *window->result;
  if (!r) return failed(Failure::kSource, r.error());
  Outcome o;
  o.profile = std::move(r).value();
  return o;
}

void Collections::run(ProfileSource::Request request, std::shared_ptr<Window> window) {
  auto result =
      std::make_unique<Result<std::shared_ptr<const Profile>>>(source_.collect(request));
  std::lock_guard lock(mu_);
  window->result = std::move(result);
  window->done = true;
  --active_;
  cv_.notify_all();
}

void Collections::reap() {
  std::list<Runner> finished;
  {
    std::lock_guard lock(mu_);
    for (auto it = runners_.begin(); it != runners_.end();) {
      const auto next = std::next(it);
      if (it->window->done) finished.splice(finished.end(), runners_, it);
      it = next;
    }
  }
  // done is set just before the thread unlocks and returns: these joins wait
  // for that tail only.
  for (Runner& r : finished) r.thread.join();
}

void Collections::shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

std::size_t Collections::active() const {
  std::lock_guard lock(mu_);
  return active_;
}

}  // namespace profbufd::http
