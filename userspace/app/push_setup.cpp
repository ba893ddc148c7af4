#include "app/push_setup.h"

#include "common/log.h"
#include "sinks/pyroscope/credentials.h"
#include "sinks/pyroscope/curl_transport.h"

namespace profbufd {
namespace {

Result<std::string> secret(const char* flag, const std::string& path) {
  bool world_readable = false;
  auto s = pyroscope::read_secret_file(flag, path, world_readable);
  if (s && world_readable)
    log::warning(std::string(flag) + " " + path +
                 " is readable by every user of this host (chmod 600 it)");
  return s;
}

}  // namespace

Result<std::shared_ptr<pyroscope::PyroscopeSink>> make_push_sink(const cli::Options& o) {
  if (!o.pyroscope_url) return std::shared_ptr<pyroscope::PyroscopeSink>();
  pyroscope::PushOptions p;
  p.url = *o.pyroscope_url;
  p.queue_bytes = o.pyroscope_queue_bytes;
  p.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(o.pyroscope_timeout);
  std::optional<pyroscope::BasicAuth> basic;
  if (o.pyroscope_user) {
    auto password = secret("--pyroscope-password-file", *o.pyroscope_password_file);
    if (!password) return password.error();
    basic = pyroscope::BasicAuth{*o.pyroscope_user, std::move(*password)};
  }
  if (o.pyroscope_token_file) {
    auto token = secret("--pyroscope-token-file", *o.pyroscope_token_file);
    if (!token) return token.error();
    p.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  if (o.pyroscope_tenant) p.headers.emplace_back("X-Scope-OrgID", *o.pyroscope_tenant);
  log::info("push: every window goes to " + p.url);
  return std::make_shared<pyroscope::PyroscopeSink>(
      std::move(p), std::make_unique<pyroscope::CurlTransport>(std::move(basic)));
}

}  // namespace profbufd
