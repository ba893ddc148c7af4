#include "symbolize/debuginfod.h"

#include <elfutils/debuginfod.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "common/log.h"

namespace profbufd::symbolize {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// Writes one of libdebuginfod's cache settings (a file holding a number of
// seconds) unless the administrator already has.
void cache_setting(const std::filesystem::path& dir, const char* name, long long seconds) {
  const auto file = dir / name;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) return;
  std::ofstream(file) << seconds << "\n";
}

// The cache directory: the flag's, the client's own variable, then the
// service's CacheDirectory= ($CACHE_DIRECTORY); "" leaves the client's default.
std::string cache_dir_of(const Debuginfod::Options& o) {
  if (!o.cache_dir.empty()) return o.cache_dir;
  if (std::string d = env(DEBUGINFOD_CACHE_PATH_ENV_VAR); !d.empty()) return d;
  if (std::string d = env("CACHE_DIRECTORY"); !d.empty()) return d + "/debuginfod";
  return "";
}

}  // namespace

std::unique_ptr<Debuginfod> Debuginfod::create(const Options& o) {
  const std::string urls = o.urls.empty() ? env(DEBUGINFOD_URLS_ENV_VAR) : o.urls;
  if (urls.find_first_not_of(' ') == std::string::npos) return nullptr;
  ::setenv(DEBUGINFOD_URLS_ENV_VAR, urls.c_str(), 1);
  const auto secs = std::max<long long>(1, (o.timeout.count() + 999) / 1000);
  ::setenv(DEBUGINFOD_TIMEOUT_ENV_VAR, std::to_string(secs).c_str(), 1);  // connect, stall
  ::setenv(DEBUGINFOD_MAXTIME_ENV_VAR, std::to_string(secs).c_str(), 1);  // whole transfer
  // No retry inside the client: a retry it abandons (past the deadline) is
  // reported as "not found" and remembered so for 10 minutes. A failed
  // request is asked again for the next profile instead.
  ::setenv(DEBUGINFOD_RETRY_LIMIT_ENV_VAR, "0", 1);
  if (const std::string dir = cache_dir_of(o); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    cache_setting(dir, "max_unused_age_s",
                  std::chrono::duration_cast<std::chrono::seconds>(kMaxUnusedAge).count());
    cache_setting(dir, "cache_clean_interval_s", 24 * 3600);
    ::setenv(DEBUGINFOD_CACHE_PATH_ENV_VAR, dir.c_str(), 1);
  }
  std::unique_ptr<Debuginfod> d(new Debuginfod(urls, o.timeout));
  if (d->client_ == nullptr) {
    log::warning("debuginfod: the client could not start; debug files are not fetched");
    return nullptr;
  }
  return d;
}

Debuginfod::Debuginfod(std::string urls, std::chrono::milliseconds timeout)
    : urls_(std::move(urls)), timeout_(timeout), client_(debuginfod_begin()) {
  if (client_ == nullptr) return;
  debuginfod_set_user_data(client_, this);
  debuginfod_set_progressfn(client_, &Debuginfod::progress);
}

Debuginfod::~Debuginfod() {
  if (client_ != nullptr) debuginfod_end(client_);
}

int Debuginfod::progress(debuginfod_client* c, long, long) {
  auto* self = static_cast<Debuginfod*>(debuginfod_get_user_data(c));
  return std::chrono::steady_clock::now() > self->deadline_ ? 1 : 0;  // non-zero: abandon
}

Debuginfod::Outcome Debuginfod::fetch(std::string_view build_id, Fd& out) {
  std::lock_guard lock(mu_);
  // The client's own timers (DEBUGINFOD_TIMEOUT, _MAXTIME) end a slow request
  // as a failure; this is the backstop, past them, should they not.
  deadline_ = std::chrono::steady_clock::now() + timeout_ + kBackstop;
  const std::string id(build_id);
  // A build ID length of 0: the ID is given as a NUL-terminated hex string.
  const int fd = debuginfod_find_debuginfo(
      client_, reinterpret_cast<const unsigned char*>(id.c_str()), 0, nullptr);
  if (fd >= 0) {
    out = Fd(fd);
    ++found_;
    return Outcome::kFound;
  }
  if (fd == -ENOENT) {
    ++not_found_;
    return Outcome::kNotFound;
  }
  ++failed_;
  return Outcome::kFailed;
}

Debuginfod::Stats Debuginfod::stats() const {
  return Stats{found_.load(), not_found_.load(), failed_.load()};
}

}  // namespace profbufd::symbolize
