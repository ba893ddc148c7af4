// The push sink: every closed window it receives goes to a Pyroscope server
// (--pyroscope-url), without ever holding up the publisher, the reader or
// sampling.
//
//   publisher thread: on_profile(profile) -> split_by_service + gzip pprof
//       -> queue (bounded in bytes; when full, the oldest windows are dropped)
//   sender thread: takes the oldest window -> POST Connect Push, or /ingest
//       once the server answered 404 to Connect -> retry with backoff
//
// Outcomes of one request:
//   2xx                       sent
//   404 on the Connect path   the server is older than 1.0 (or a proxy only
//                             knows /ingest): this and every later window
//                             goes to /ingest
//   408, 429, 5xx, no answer, timeout
//                             retried after backoff: kBaseBackoff doubled
//                             each time up to kMaxBackoff, each wait drawn
//                             uniformly from its upper half (jitter, so a
//                             fleet does not retry in step); given up after
//                             max_attempts (dropped: retries_exhausted)
//   other 4xx (400, 401, ...) not retried (dropped: rejected); the server's
//                             answer is logged
//
// finish() (SIGTERM): no new windows; the sender keeps sending what is queued
// for at most flush_timeout, then aborts the request in flight and drops
// the rest (dropped: shutdown).
//
// Threads and locks: one mutex guards the queue and the counters; the
// sender never holds it across a request or a backoff wait (it waits on the
// condition variable, which finish() signals).
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "sinks/pyroscope/series.h"
#include "sinks/pyroscope/transport.h"
#include "sinks/sink.h"

namespace profbufd::pyroscope {

struct PushOptions {
  std::string url;  // the server's base URL, no trailing '/'
  // Extra headers of every request: Authorization: Bearer, X-Scope-OrgID.
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t queue_bytes = 16u << 20;
  std::chrono::milliseconds timeout{10'000};   // one request, connect included
  std::chrono::milliseconds flush_timeout{5'000};
  std::chrono::milliseconds base_backoff{500};
  std::chrono::milliseconds max_backoff{30'000};
  unsigned max_attempts = 5;
};

// Why a window was not pushed (PushStats::dropped), in the order /metrics
// lists them: the oldest dropped for a full queue, no success after
// max_attempts, a 4xx, the flush deadline, the pprof could not be made.
inline constexpr std::array<std::string_view, 5> kDropReasons = {
    "queue_full", "retries_exhausted", "rejected", "shutdown", "encoding"};

struct PushStats {
  std::map<std::string, std::uint64_t> requests;  // by HTTP status, or "error"
  std::uint64_t bytes = 0;                        // request bodies the server accepted
  std::uint64_t queue_bytes = 0;                  // waiting to be sent (not the one in flight)
  std::map<std::string, std::uint64_t> dropped;   // windows, by kDropReasons
  std::uint64_t windows_sent = 0;
  bool legacy_ingest = false;                     // the server only knows /ingest
};

class PyroscopeSink final : public Sink {
 public:
  PyroscopeSink(PushOptions options, std::unique_ptr<Transport> transport);
  ~PyroscopeSink() override;  // finish()
  PyroscopeSink(const PyroscopeSink&) = delete;
  PyroscopeSink& operator=(const PyroscopeSink&) = delete;

  void on_profile(std::shared_ptr<const Profile> profile) override;

  // Flushes for at most flush_timeout, then stops the sender. Idempotent.
  void finish();

  PushStats stats() const;

 private:
  struct Item {
    std::vector<Series> series;
    std::int64_t from_s = 0, until_s = 0, sample_rate_hz = 0;
    std::size_t bytes = 0;
  };
  enum class Outcome { kSent, kRetry, kRejected, kLegacy };

  void run();
  void send_all();
  void deliver(const Item& item);
  Outcome send_connect(const Item& item);
  Outcome send_ingest(const Item& item, std::vector<bool>& done);
  Outcome classify(const PostResult& r, std::size_t body_bytes, bool connect);
  // Waits before attempt `attempt` + 1, or until the flush deadline; false
  // when the sender must stop.
  bool backoff(unsigned attempt);
  void drop(const char* reason, const Item& item, const std::string& why);

  const PushOptions options_;
  const std::unique_ptr<Transport> transport_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;   // guarded by mu_; oldest first
  PushStats stats_;          // guarded by mu_
  bool finishing_ = false;   // guarded by mu_
  bool sender_done_ = false; // guarded by mu_; the sender thread has returned
  std::chrono::steady_clock::time_point flush_deadline_;  // guarded by mu_, once finishing_
  std::minstd_rand rng_;     // sender thread only
  std::thread thread_;
};

}  // namespace profbufd::pyroscope
