#include "app/window_profile_source.h"

#include <future>
#include <memory>

#include "app/idle_books.h"
#include "common/clock.h"

namespace profbufd {

WindowProfileSource::WindowProfileSource(Reader& reader, Symbolizer& symbolizer,
                                         ProfileContext context, std::size_t ncpu_slots,
                                         std::function<bool()> healthy)
    : reader_(reader), symbolizer_(symbolizer), context_(std::move(context)),
      nslots_(ncpu_slots), healthy_(std::move(healthy)) {}

bool WindowProfileSource::healthy() const { return healthy_ && healthy_(); }

void WindowProfileSource::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

Result<Profile> WindowProfileSource::collect(const Request& request) {
  auto w = std::make_shared<Window>(monotonic_ns(), kOpenEnded, nslots_);
  w->start_unix_ns = realtime_ns();
  w->pids = request.pids;
  w->idle_at_start = read_idle();
  // The reader hands the window over once it has ended and the grace period has
  // passed (or at shutdown); the promise outlives this call if we give up early.
  auto done = std::make_shared<std::promise<std::shared_ptr<Window>>>();
  std::future<std::shared_ptr<Window>> closed = done->get_future();
  reader_.open_window(w, [done](std::shared_ptr<Window> cw) { done->set_value(std::move(cw)); });

  bool stopped;
  {
    std::unique_lock lock(mu_);
    stopped = cv_.wait_for(lock, request.duration, [this] { return stopping_; });
  }
  if (stopped)
    return make_error(ExitCode::kRuntime, "profile request",
                      "profbufd is shutting down", "try again once it has restarted");
  close_idle_books(reader_, w, nullptr);
  reader_.end_window(w, monotonic_ns());
  closed.wait();

  ProfileContext ctx = context_;
  // Idle belongs to a whole-machine profile, not to one process's.
  ctx.account_idle = context_.account_idle && request.pids.empty();
  return build_profile(*closed.get(), symbolizer_, ctx);
}

}  // namespace profbufd
