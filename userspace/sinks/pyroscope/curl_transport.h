// Transport over libcurl: HTTP/1.1, http:// and https:// only (the system's CA
// certificates), no redirects followed (credentials never go to a host the
// user did not name), one connection kept alive between posts.
//
// Threads: post() on one thread at a time (the push sender's); abort() from
// any thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "sinks/pyroscope/transport.h"

namespace profbufd::pyroscope {

struct BasicAuth {
  std::string user;
  std::string password;
};

class CurlTransport final : public Transport {
 public:
  // `basic`: HTTP basic authentication on every request (curl builds the
  // header, so the secret is never in a header list of ours).
  explicit CurlTransport(std::optional<BasicAuth> basic = std::nullopt);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  PostResult post(const PostRequest& request) override;
  void abort() override;

 private:
  static int on_progress(void* self, long, long, long, long);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* out);

  const std::optional<BasicAuth> basic_;
  void* curl_ = nullptr;  // CURL*, reused for keep-alive
  // Set by abort() (any thread), read by on_progress() on the posting thread:
  // relaxed, because it carries no data, only "stop now".
  std::atomic<bool> aborted_{false};
};

}  // namespace profbufd::pyroscope
