// The HTTP POST the push sender makes, behind an interface: libcurl in the
// daemon (curl_transport.h), a fake in the sender's unit tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace profbufd::pyroscope {

struct PostRequest {
  std::string url;  // absolute, http:// or https://
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
  std::string body;
  // The whole request (connect included) must end within this.
  std::chrono::milliseconds timeout{10'000};
};

struct PostResult {
  int status = 0;       // HTTP status; 0 when no response came (error says why)
  std::string error;    // transport failure: "timed out", "connection refused", ...
  bool timed_out = false;
  std::string body;     // the first bytes of the response (for the log)
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Blocks for at most request.timeout, or until abort() is called.
  virtual PostResult post(const PostRequest& request) = 0;
  // Makes a post() in flight, and every later one, return at once (shutdown
  // flush over). Safe from any thread.
  virtual void abort() = 0;
};

}  // namespace profbufd::pyroscope
