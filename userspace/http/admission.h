// Whether a request may open a profile window of its kind, shared by the
// pprof endpoints and the page's /api/collect: the kind must be ready (its
// BPF programs may still be loading right after start) and its hold granted.
#pragma once

#include <optional>

#include "common/hold.h"
#include "http/profile_source.h"

namespace httplib {
struct Response;
}

namespace profbufd::http {

// Seconds a 503 for a kind still loading asks the client to wait.
inline constexpr int kLoadingRetryAfterSeconds = 5;

// The status for a refused hold: 400, 404 or 501.
int refusal_status(Hold::Refusal r);

// Waits while `request.kind` loads (ProfileSource::await_available), then
// either answers `res` with why it cannot be served and returns nullopt:
// 503 with Retry-After while it still loads, 501 when it is not on this run,
// the hold's refusal (refusal_status) otherwise. Or returns the Hold the
// request keeps until its profile is rendered.
std::optional<Hold> admit(ProfileSource& source, const ProfileSource::Request& request,
                          httplib::Response& res);

}  // namespace profbufd::http
