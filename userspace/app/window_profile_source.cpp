#include "app/window_profile_source.h"

#include <future>
#include <memory>

#include "cgroup/cgroup_arg.h"

namespace profbufd {
namespace {

// The one-shot sink an HTTP window is published to: the request waits on it.
class PromiseSink final : public Sink {
 public:
  std::future<std::shared_ptr<const Profile>> future() { return promise_.get_future(); }
  void on_profile(std::shared_ptr<const Profile> profile) override {
    promise_.set_value(std::move(profile));
  }

 private:
  std::promise<std::shared_ptr<const Profile>> promise_;
};

}  // namespace

WindowProfileSource::WindowProfileSource(Reader& reader, Publisher& publisher,
                                         std::vector<const kinds::Kind*> kinds,
                                         std::size_t ncpu_slots, const Clock& clock,
                                         std::function<bool()> healthy,
                                         std::string cgroup2_mount,
                                         const LateKinds* late)
    : reader_(reader), publisher_(publisher), kinds_(std::move(kinds)), nslots_(ncpu_slots),
      clock_(clock), healthy_(std::move(healthy)), cgroup2_mount_(std::move(cgroup2_mount)),
      late_(late) {}

void WindowProfileSource::await_available(std::string_view kind) {
  if (late_) late_->await(kind, LateKinds::kRequestWait);
}

std::optional<Error> WindowProfileSource::unavailable(std::string_view kind) const {
  if (late_)
    if (auto why = late_->unavailable(kind)) return why;
  for (const kinds::Kind* k : kinds_)
    if (k->name() == kind) return std::nullopt;
  return make_error(ExitCode::kUsage, "the " + std::string(kind) + " profile",
                    "not captured by this run");
}

Hold WindowProfileSource::prepare(const Request& request) {
  for (const kinds::Kind* k : kinds_)
    if (!request.kind.empty() && k->name() == request.kind) return k->hold(request.pids, request.sample_type);
  return {};
}

bool WindowProfileSource::healthy() const { return healthy_ && healthy_(); }

void WindowProfileSource::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

Result<std::shared_ptr<const Profile>> WindowProfileSource::collect(const Request& request) {
  const kinds::Kind* found = kinds_.empty() ? nullptr : kinds_.front();
  if (!request.kind.empty()) {
    found = nullptr;
    for (const kinds::Kind* k : kinds_)
      if (k->name() == request.kind) found = k;
  }
  if (found == nullptr)
    return make_error(ExitCode::kUsage, "profile request", "kind " + request.kind + " is not captured");
  const kinds::Kind& kind = *found;
  auto w = std::make_shared<Window>(kind.id(), kind.accumulators().size(), clock_.monotonic_ns(),
                                    kOpenEnded, nslots_);
  w->start_unix_ns = clock_.realtime_ns();
  w->pids = request.pids;
  // "/sys/fs/cgroup/x" -> "/x", as /proc/PID/cgroup prints it.
  for (const std::string& c : request.cgroups)
    w->cgroups.push_back(cgroup::path_under_mount(c, cgroup2_mount_).value_or(c));
  w->containers = request.containers;
  w->default_sample_type = request.sample_type;
  w->books = kind.open_books(*w);
  if (w->books) w->books->begin();
  // The sink outlives this call if the request gives up early (shutdown): the
  // publisher still holds it.
  auto sink = std::make_shared<PromiseSink>();
  auto profile = sink->future();
  Publisher& publisher = publisher_;
  reader_.open_window(w, [&publisher, sink](std::shared_ptr<Window> closed) {
    publisher.push(std::move(closed), {sink});
  });

  // A snapshot kind's window holds one instant: it ends once the snapshot
  // is taken (its records are older than the end; the reader's grace period
  // takes them from the ring).
  const bool instant = kind.snapshot(*w);
  bool stopped;
  {
    std::unique_lock lock(mu_);
    stopped = instant ? stopping_
                      : cv_.wait_for(lock, request.duration, [this] { return stopping_; });
  }
  if (stopped)
    return make_error(ExitCode::kRuntime, "profile request", "profbufd is shutting down",
                      "try again once it has restarted");
  // The end first, then the books: what they read then (the block kind's
  // threads still blocked) must be judged against an end already past.
  reader_.end_window(w, clock_.monotonic_ns());
  if (w->books) w->books->end();
  return profile.get();
}

}  // namespace profbufd
