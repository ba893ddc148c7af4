// Test double for ProfileSource: returns a fixed Profile after the requested
// duration, or holds every window until released, and records the requests.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/profile_source.h"

namespace profbufd::testing {

class FakeProfileSource : public ProfileSource {
 public:
  explicit FakeProfileSource(Profile profile)
      : profile_(std::make_shared<const Profile>(std::move(profile))) {}

  Result<std::shared_ptr<const Profile>> collect(const Request& request) override {
    std::unique_lock lock(mu_);
    requests_.push_back(request);
    ++in_flight_;
    cv_.notify_all();
    if (hold_) {
      cv_.wait(lock, [&] { return !hold_ || stopped_; });
    } else {
      cv_.wait_for(lock, request.duration, [&] { return stopped_; });
    }
    --in_flight_;
    cv_.notify_all();
    if (stopped_ || fail_) {
      return make_error(ExitCode::kRuntime, "collecting a window", "sampling stopped");
    }
    return profile_;
  }

  bool healthy() const override { return healthy_.load(); }

  // Windows opened from now on wait for release() instead of their duration.
  void hold() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  void release() {
    std::lock_guard lock(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  // Sampling stopped: open and future windows fail at once.
  void stop_sampling() {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  void set_fail(bool fail) {
    std::lock_guard lock(mu_);
    fail_ = fail;
  }
  void set_healthy(bool h) { healthy_.store(h); }

  // Records the kinds waited for, then runs the hook set_await() gave.
  void await_available(std::string_view kind) override {
    std::function<void(std::string_view)> hook;
    {
      std::lock_guard lock(mu_);
      awaited_.emplace_back(kind);
      hook = await_hook_;
    }
    if (hook) hook(kind);
  }
  void set_await(std::function<void(std::string_view)> hook) {
    std::lock_guard lock(mu_);
    await_hook_ = std::move(hook);
  }
  std::vector<std::string> awaited() const {
    std::lock_guard lock(mu_);
    return awaited_;
  }

  std::optional<Error> unavailable(std::string_view kind) const override {
    std::lock_guard lock(mu_);
    if (kind == unavailable_kind_) return unavailable_why_;
    return std::nullopt;
  }
  // Requests for `kind` cannot be answered, for `why`.
  void set_unavailable(std::string kind, Error why) {
    std::lock_guard lock(mu_);
    unavailable_kind_ = std::move(kind);
    unavailable_why_ = std::move(why);
  }

  // Waits (up to `timeout`) until exactly `n` windows are open.
  bool wait_in_flight(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return in_flight_ == n; });
  }

  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  const std::shared_ptr<const Profile> profile_;
  // Written by tests, read by server worker threads; no ordering with other
  // data is needed, so the default (seq_cst) load/store pair is plenty.
  std::atomic<bool> healthy_{true};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  bool stopped_ = false;
  bool fail_ = false;
  std::size_t in_flight_ = 0;
  std::vector<Request> requests_;
  std::string unavailable_kind_;
  Error unavailable_why_;
  std::vector<std::string> awaited_;
  std::function<void(std::string_view)> await_hook_;
};

}  // namespace profbufd::testing
