#include "sinks/pyroscope/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

namespace profbufd::pyroscope {
namespace {

constexpr long kMaxConnectMs = 5000;
constexpr std::size_t kMaxResponseBytes = 4096;

void global_init() {
  // curl_global_init is not thread-safe; this is its one caller.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlTransport::CurlTransport(std::optional<BasicAuth> basic) : basic_(std::move(basic)) {
  global_init();
  curl_ = curl_easy_init();
}

CurlTransport::~CurlTransport() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

void CurlTransport::abort() { aborted_.store(true, std::memory_order_relaxed); }

int CurlTransport::on_progress(void* self, long, long, long, long) {
  return static_cast<CurlTransport*>(self)->aborted_.load(std::memory_order_relaxed) ? 1 : 0;
}

std::size_t CurlTransport::on_body(char* data, std::size_t size, std::size_t n, void* out) {
  auto& body = *static_cast<std::string*>(out);
  const std::size_t bytes = size * n;
  body.append(data, std::min(bytes, kMaxResponseBytes - std::min(body.size(), kMaxResponseBytes)));
  return bytes;
}

PostResult CurlTransport::post(const PostRequest& r) {
  PostResult result;
  if (aborted_.load(std::memory_order_relaxed)) {
    result.error = "aborted at shutdown";
    return result;
  }
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) {
    result.error = "libcurl could not be initialised";
    return result;
  }
  curl_easy_reset(c);
  curl_slist* headers = curl_slist_append(nullptr, ("Content-Type: " + r.content_type).c_str());
  for (const auto& [k, v] : r.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  const long timeout_ms = static_cast<long>(std::max<std::int64_t>(r.timeout.count(), 1));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, kMaxConnectMs));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "profbufd");
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &CurlTransport::on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &CurlTransport::on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &result.body);
  if (basic_) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, basic_->user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, basic_->password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    result.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    result.error = rc == CURLE_ABORTED_BY_CALLBACK ? "aborted at shutdown" : curl_easy_strerror(rc);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  result.status = static_cast<int>(status);
  return result;
}

}  // namespace profbufd::pyroscope
