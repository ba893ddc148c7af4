#include "sinks/pyroscope/pyroscope_sink.h"

#include <algorithm>

#include "common/log.h"
#include "sinks/pyroscope/push_request.h"

namespace profbufd::pyroscope {
namespace {

// The start of a server's answer, on one line, for the log.
std::string first_line(const std::string& body) {
  std::string s = body.substr(0, std::min<std::size_t>(body.find('\n'), 200));
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\t'; }, ' ');
  return s;
}

std::int64_t detail(const Profile& p, std::string_view key) {
  for (const auto& [k, v] : p.metadata.details)
    if (k == key) return v;
  return 0;
}

}  // namespace

PyroscopeSink::PyroscopeSink(PushOptions options, std::unique_ptr<Transport> transport)
    : options_(std::move(options)), transport_(std::move(transport)),
      rng_(std::random_device{}()) {
  thread_ = std::thread([this] { run(); });
}

PyroscopeSink::~PyroscopeSink() { finish(); }

void PyroscopeSink::on_profile(std::shared_ptr<const Profile> profile) {
  auto series = split_by_service(*profile);
  if (!series) {
    log::error("push: " + series.error().line() + " — window not sent");
    std::lock_guard lock(mu_);
    ++stats_.dropped["encoding"];
    return;
  }
  Item item;
  item.series = std::move(*series);
  item.from_s = profile->metadata.start_unix_ns / 1'000'000'000;
  item.until_s = (profile->metadata.start_unix_ns + profile->metadata.duration_ns) / 1'000'000'000;
  item.sample_rate_hz = detail(*profile, "frequency_hz");
  for (const Series& s : item.series) {
    item.bytes += s.pprof.size();
    for (const auto& [k, v] : s.labels) item.bytes += k.size() + v.size();
  }
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (finishing_) return;
    queue_.push_back(std::move(item));
    stats_.queue_bytes += queue_.back().bytes;
    // Drop the oldest until the bound holds; the newest always stays, even
    // alone above it: it is the freshest view of the host.
    while (queue_.size() > 1 && stats_.queue_bytes > options_.queue_bytes) {
      stats_.queue_bytes -= queue_.front().bytes;
      queue_.pop_front();
      ++stats_.dropped["queue_full"];
      ++dropped;
    }
  }
  cv_.notify_all();  // the sender; nobody else waits before finish()
  if (dropped > 0)
    log::warning("push: queue full (" + std::to_string(options_.queue_bytes) +
                 " bytes): dropped the oldest " + std::to_string(dropped) +
                 " window(s); is " + options_.url + " reachable?");
}

void PyroscopeSink::finish() {
  {
    std::lock_guard lock(mu_);
    if (!finishing_) {
      finishing_ = true;
      flush_deadline_ = std::chrono::steady_clock::now() + options_.flush_timeout;
    }
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;
  // The sender stops at the deadline by itself, except inside a request:
  // abort that one if the sender is not done by then.
  {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, flush_deadline_, [this] { return sender_done_; }))
      transport_->abort();
  }
  thread_.join();
}

PushStats PyroscopeSink::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void PyroscopeSink::run() {
  send_all();
  std::lock_guard lock(mu_);
  sender_done_ = true;
  cv_.notify_all();
}

void PyroscopeSink::send_all() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return finishing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      if (finishing_ && std::chrono::steady_clock::now() >= flush_deadline_) {
        const std::size_t left = queue_.size();
        stats_.dropped["shutdown"] += left;
        stats_.queue_bytes = 0;
        queue_.clear();
        lock.unlock();
        log::warning("push: " + std::to_string(left) + " window(s) not sent before the " +
                     std::to_string(options_.flush_timeout.count()) + " ms shutdown deadline");
        return;
      }
      item = std::move(queue_.front());
      queue_.pop_front();
      stats_.queue_bytes -= item.bytes;
    }
    deliver(item);
  }
}

void PyroscopeSink::deliver(const Item& item) {
  std::vector<bool> done(item.series.size(), false);
  for (unsigned attempt = 1;; ++attempt) {
    bool legacy;
    {
      std::lock_guard lock(mu_);
      legacy = stats_.legacy_ingest;
    }
    Outcome o = legacy ? send_ingest(item, done) : send_connect(item);
    if (o == Outcome::kLegacy) {
      log::warning("push: " + options_.url + std::string(kPushPath) +
                   " answered 404: sending to the legacy " + std::string(kIngestPath) +
                   " API from now on");
      std::lock_guard lock(mu_);
      stats_.legacy_ingest = true;
      o = Outcome::kRetry;
      --attempt;  // not the server's fault: try at once
      continue;
    }
    if (o == Outcome::kSent) {
      std::lock_guard lock(mu_);
      ++stats_.windows_sent;
      return;
    }
    if (o == Outcome::kRejected) return drop("rejected", item, "the server refused it");
    if (attempt >= options_.max_attempts)
      return drop("retries_exhausted", item,
                  "no success after " + std::to_string(attempt) + " attempts");
    if (!backoff(attempt)) return drop("shutdown", item, "shutdown deadline passed");
  }
}

PyroscopeSink::Outcome PyroscopeSink::send_connect(const Item& item) {
  PostRequest r;
  r.url = options_.url + std::string(kPushPath);
  r.content_type = "application/proto";
  r.headers = options_.headers;
  r.headers.emplace_back("Connect-Protocol-Version", "1");
  r.body = encode_push_request(item.series);
  r.timeout = options_.timeout;
  return classify(transport_->post(r), r.body.size(), true);
}

PyroscopeSink::Outcome PyroscopeSink::send_ingest(const Item& item, std::vector<bool>& done) {
  for (std::size_t i = 0; i < item.series.size(); ++i) {
    if (done[i]) continue;
    const Series& s = item.series[i];
    Multipart m = ingest_body(s.pprof);
    PostRequest r;
    r.url = options_.url + std::string(kIngestPath) +
            ingest_query(s.labels, item.from_s, item.until_s, item.sample_rate_hz);
    r.content_type = m.content_type;
    r.headers = options_.headers;
    r.body = std::move(m.body);
    r.timeout = options_.timeout;
    const Outcome o = classify(transport_->post(r), r.body.size(), false);
    if (o != Outcome::kSent) return o;
    done[i] = true;  // a retry sends only the series still missing
  }
  return Outcome::kSent;
}

PyroscopeSink::Outcome PyroscopeSink::classify(const PostResult& r, std::size_t body_bytes,
                                               bool connect) {
  {
    std::lock_guard lock(mu_);
    ++stats_.requests[r.status == 0 ? "error" : std::to_string(r.status)];
    if (r.status >= 200 && r.status < 300) stats_.bytes += body_bytes;
  }
  if (r.status >= 200 && r.status < 300) return Outcome::kSent;
  if (r.status == 404 && connect) return Outcome::kLegacy;
  const bool retry = r.status == 0 || r.status == 408 || r.status == 429 || r.status >= 500;
  const std::string what = r.status == 0 ? r.error : "HTTP " + std::to_string(r.status);
  const std::string said = r.body.empty() ? "" : ": " + first_line(r.body);
  if (retry) {
    log::warning("push: " + options_.url + ": " + what + said + " (will retry)");
    return Outcome::kRetry;
  }
  const char* hint = r.status == 401 || r.status == 403
                         ? " (check --pyroscope-user and the password or token file)"
                         : "";
  log::error("push: " + options_.url + ": " + what + said + hint);
  return Outcome::kRejected;
}

bool PyroscopeSink::backoff(unsigned attempt) {
  const auto cap = std::min<std::int64_t>(options_.max_backoff.count(),
                                          options_.base_backoff.count() << std::min(attempt - 1, 20u));
  std::uniform_int_distribution<std::int64_t> half(cap / 2, std::max<std::int64_t>(cap, 1));
  const auto wake = std::chrono::steady_clock::now() + std::chrono::milliseconds(half(rng_));
  std::unique_lock lock(mu_);
  // finish() wakes this wait; from then on only the flush deadline counts.
  cv_.wait_until(lock, wake, [this] { return finishing_; });
  if (!finishing_) return true;
  if (std::chrono::steady_clock::now() >= flush_deadline_) return false;
  cv_.wait_until(lock, std::min(wake, flush_deadline_), [] { return false; });
  return std::chrono::steady_clock::now() < flush_deadline_;
}

void PyroscopeSink::drop(const char* reason, const Item& item, const std::string& why) {
  {
    std::lock_guard lock(mu_);
    ++stats_.dropped[reason];
  }
  log::warning("push: window of " + std::to_string(item.until_s - item.from_s) + " s from " +
               std::to_string(item.from_s) + " dropped (" + reason + "): " + why);
}

}  // namespace profbufd::pyroscope
