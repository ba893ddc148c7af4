#include "app/window_sink.h"

#include <string>

#include "common/log.h"
#include "sinks/profile_files.h"
#include "symbolize/symbolizer.h"

namespace profbufd {
namespace {

// Error::line() without its "profbufd: ", which the logger adds itself.
std::string without_prefix(const Error& e) {
  const std::string line = e.line();
  constexpr std::string_view kPrefix = "profbufd: ";
  return line.rfind(kPrefix, 0) == 0 ? line.substr(kPrefix.size()) : line;
}

}  // namespace

WindowSink::WindowSink(Options options, ProfileContext context, Symbolizer& symbolizer)
    : options_(std::move(options)), context_(std::move(context)), symbolizer_(symbolizer) {
  thread_ = std::thread([this] { run(); });
}

WindowSink::~WindowSink() { finish(); }

void WindowSink::push(std::shared_ptr<Window> window) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(window));
  }
  cv_.notify_one();
}

void WindowSink::finish() {
  {
    std::lock_guard lock(mu_);
    finishing_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t WindowSink::profiles_written() const {
  std::lock_guard lock(mu_);
  return written_;
}

std::uint64_t WindowSink::last_unique_stacks() const {
  std::lock_guard lock(mu_);
  return last_unique_stacks_;
}

std::uint64_t WindowSink::write_errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

std::optional<Error> WindowSink::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void WindowSink::run() {
  for (;;) {
    std::shared_ptr<Window> w;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return finishing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // finishing and drained
      w = std::move(queue_.front());
      queue_.pop_front();
    }
    write_one(*w);
  }
}

void WindowSink::write_one(const Window& w) {
  const Profile profile = build_profile(w, symbolizer_, context_);
  auto written = write_window(options_.output_dir, profile, options_.formats);
  {
    // Only the counters under the lock: push() on the reader thread waits on it.
    std::lock_guard lock(mu_);
    last_unique_stacks_ = w.stacks.size();
    if (written.ok()) {
      ++written_;
      last_error_.reset();
    } else {
      ++errors_;
      last_error_ = written.error();
    }
  }
  if (!written.ok()) {
    log::error(without_prefix(written.error()) + " — window of " + std::to_string(profile.metadata.total_samples) +
               " samples not written");
    return;
  }
  for (const std::string& path : written.value()) log::info("wrote " + path);
  if (options_.keep > 0) {
    auto pruned = prune_windows(options_.output_dir, options_.keep);
    if (!pruned.ok()) log::warning(without_prefix(pruned.error()));
  }
}

}  // namespace profbufd
