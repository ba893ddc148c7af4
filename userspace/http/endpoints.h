// The endpoints profbufd serves, what the index page says about them, and the
// fixed set of names the request counter is labelled with.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.h"

namespace profbufd::http {

inline constexpr std::string_view kIndexPath = "/";
inline constexpr std::string_view kMetricsPath = "/metrics";
inline constexpr std::string_view kProfilePath = "/debug/pprof/profile";
// The list of the profiles at Go's paths, as Go's index (http/pprof_index.h).
inline constexpr std::string_view kPprofIndexPath = "/debug/pprof/";
// Off-CPU time, at the path and in the shape of Go's block profile.
inline constexpr std::string_view kBlockPath = "/debug/pprof/block";
// Task creation with the creator's stack, as Go's threadcreate profile.
inline constexpr std::string_view kThreadcreatePath = "/debug/pprof/threadcreate";
// Futex waits with the waiter's stack, in the shape of Go's mutex profile.
inline constexpr std::string_view kMutexPath = "/debug/pprof/mutex";
// Every thread at this instant with its stacks and state, as Go's goroutine
// profile (threads for goroutines).
inline constexpr std::string_view kGoroutinePath = "/debug/pprof/goroutine";
// Sampled allocations of one process (pid= required), as Go's allocs profile.
inline constexpr std::string_view kAllocsPath = "/debug/pprof/allocs";
// Go's heap profile of one process (pid= required): its allocations in the
// window and what of them is still in use at its end, inuse_space first.
inline constexpr std::string_view kHeapPath = "/debug/pprof/heap";
inline constexpr std::string_view kHealthzPath = "/healthz";
inline constexpr std::string_view kEndpointsPath = "/endpoints";

// The page's assets and JSON endpoints (served by http/page_endpoints.h).
inline constexpr std::string_view kUiPrefix = "/ui/";
inline constexpr std::string_view kApiKindsPath = "/api/kinds";
inline constexpr std::string_view kApiAboutPath = "/api/about";
inline constexpr std::string_view kApiProfilesPath = "/api/profiles";
inline constexpr std::string_view kApiFlameGraphPath = "/api/flamegraph";
inline constexpr std::string_view kApiProfilePath = "/api/profile";
inline constexpr std::string_view kApiCollectPath = "/api/collect";

// Requests under kUiPrefix count as one endpoint, "/ui/".
inline constexpr std::array<std::string_view, 19> kEndpointPaths = {
    kIndexPath,        kMetricsPath,     kPprofIndexPath,    kProfilePath,       kBlockPath,
    kThreadcreatePath, kMutexPath,       kAllocsPath,        kHeapPath,          kGoroutinePath,
    kHealthzPath,      kEndpointsPath,
    kUiPrefix,         kApiKindsPath,    kApiAboutPath,      kApiProfilesPath,
    kApiFlameGraphPath, kApiProfilePath, kApiCollectPath};

// Label for requests to any other path (and for requests too malformed to have
// one), so that a scanner probing random URLs cannot grow the number of
// profbufd_http_requests_total series.
inline constexpr std::string_view kOtherEndpoint = "other";

// Concurrent profile windows (every kind's Go path, /api/collect); the next
// request gets 503 at once. A Parca or Alloy job with each of its profile
// types on scrapes five or six paths of one target at once, each window
// lasting most of its interval: 8 leaves room for that and a person's
// request, and half of the 16 workers for everything else.
inline constexpr std::size_t kMaxConcurrentProfiles = 8;

// The Prometheus text exposition content type, version 0.0.4.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// `path` when it is one of kEndpointPaths ("/ui/" for any path under it),
// otherwise kOtherEndpoint.
std::string_view endpoint_label(std::string_view path);

// The page GET / returns (HTML): each endpoint with a one-line description
// and the limits that apply to it.
std::string index_page();

// A response body for an error: e.line() without line breaks, then "\n", so
// every error body is exactly one line of text.
std::string error_body(const Error& e);

// The same for a plain reason: "profbufd: <reason>\n".
std::string error_body(std::string_view reason);

}  // namespace profbufd::http
