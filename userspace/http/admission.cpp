#include "http/admission.h"

#include <string>

#include "http/cpp_httplib.h"
#include "http/endpoints.h"

namespace profbufd::http {
namespace {

std::nullopt_t refuse(httplib::Response& res, int status, const Error& why) {
  res.status = status;
  res.set_content(error_body(why), "text/plain; charset=utf-8");
  return std::nullopt;
}

}  // namespace

int refusal_status(Hold::Refusal r) {
  switch (r) {
    case Hold::Refusal::kBadRequest: return 400;
    case Hold::Refusal::kNoProcess: return 404;
    case Hold::Refusal::kUnsupported: return 501;
    case Hold::Refusal::kNone: break;
  }
  return 500;
}

std::optional<Hold> admit(ProfileSource& source, const ProfileSource::Request& request,
                          httplib::Response& res) {
  if (!request.kind.empty()) {
    source.await_available(request.kind);
    if (auto why = source.unavailable(request.kind)) {
      if (why->code != ExitCode::kRuntime) return refuse(res, 501, *why);
      res.set_header("Retry-After", std::to_string(kLoadingRetryAfterSeconds));
      return refuse(res, 503, *why);
    }
  }
  Hold hold = source.prepare(request);
  if (hold.refusal != Hold::Refusal::kNone)
    return refuse(res, refusal_status(hold.refusal), hold.error);
  return hold;
}

}  // namespace profbufd::http
