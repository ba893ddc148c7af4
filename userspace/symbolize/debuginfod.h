// Debug files fetched from debuginfod servers, through elfutils' libdebuginfod
// (the client gdb, perf and systemd-coredump use).
//
// Off unless configured: it sends the build IDs of the binaries on this host to
// the servers. The servers are DEBUGINFOD_URLS (space-separated), or --debuginfod.
// libdebuginfod keeps what it downloads in its cache (DEBUGINFOD_CACHE_PATH;
// the service sets it under its CacheDirectory=), including that a server has
// no file for a build ID (for 10 minutes); files unused for kMaxUnusedAge are
// removed by the client's own cleaning, so the cache stays bounded.
//
// Every request has a deadline (the client's DEBUGINFOD_TIMEOUT and
// DEBUGINFOD_MAXTIME, and the progress callback abandons it kBackstop later
// should those not end it), and is made at window close on the publisher thread,
// never on the sampling path. A request that failed or ran out of time is
// kFailed: the caller keeps the frames as module+offset and asks again for a
// later profile.
//
// Thread-safety: fetch() serializes callers (one client, one request at a
// time); stats() does not wait for a request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/fd.h"

struct debuginfod_client;

namespace profbufd::symbolize {

class Debuginfod {
 public:
  struct Options {
    std::string urls;  // "" : DEBUGINFOD_URLS from the environment
    std::chrono::milliseconds timeout{5000};
    std::string cache_dir;  // "" : DEBUGINFOD_CACHE_PATH, or the client's default
  };
  enum class Outcome { kFound, kNotFound, kFailed };
  struct Stats {
    std::uint64_t found = 0, not_found = 0, failed = 0;
  };
  static constexpr std::chrono::hours kMaxUnusedAge{24 * 7};
  static constexpr std::chrono::seconds kBackstop{2};

  // nullptr when no server is configured (debuginfod is then off). Sets the
  // client's environment (DEBUGINFOD_URLS, DEBUGINFOD_CACHE_PATH, its
  // timeouts): call before other threads start.
  static std::unique_ptr<Debuginfod> create(const Options& o);
  ~Debuginfod();
  Debuginfod(const Debuginfod&) = delete;
  Debuginfod& operator=(const Debuginfod&) = delete;

  // The debug file of `build_id` (lowercase hex) into `out`.
  Outcome fetch(std::string_view build_id, Fd& out);

  Stats stats() const;
  const std::string& urls() const { return urls_; }

 private:
  Debuginfod(std::string urls, std::chrono::milliseconds timeout);
  static int progress(debuginfod_client* c, long done, long total);

  const std::string urls_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;  // one request at a time; guards client_ and deadline_
  debuginfod_client* client_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<std::uint64_t> found_{0}, not_found_{0}, failed_{0};
};

}  // namespace profbufd::symbolize
