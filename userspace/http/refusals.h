// Why the HTTP server refused a client, as profbufd_http_refused_total's
// `reason` label. A fixed set, so that no client can grow the series.
//
//   connection_limit     accepted past max_connections: one-line 503, closed
//   fd_limit             accept failed for want of file descriptors (EMFILE,
//                        ENFILE): accepted on a reserve descriptor, closed
//   header_timeout       the request head (and its small body) was not all
//                        there within the header timeout: one-line 408, closed
//   header_too_large     no end of head within kMaxHeadBytes: one-line 431
//   long_request_limit   every slot for long requests (profile windows:
//                        /debug/pprof/profile, /api/collect) taken: 503
//   response_timeout     the client did not take the whole response within
//                        the write timeout: closed
//
// Idle keep-alive connections closed after their timeout are not refusals.
#pragma once

#include <array>
#include <string_view>

namespace profbufd::http {

inline constexpr std::string_view kRefusedConnectionLimit = "connection_limit";
inline constexpr std::string_view kRefusedFdLimit = "fd_limit";
inline constexpr std::string_view kRefusedHeaderTimeout = "header_timeout";
inline constexpr std::string_view kRefusedHeaderTooLarge = "header_too_large";
inline constexpr std::string_view kRefusedLongRequestLimit = "long_request_limit";
inline constexpr std::string_view kRefusedResponseTimeout = "response_timeout";

inline constexpr std::array<std::string_view, 6> kRefusalReasons = {
    kRefusedConnectionLimit,  kRefusedFdLimit,         kRefusedHeaderTimeout,
    kRefusedHeaderTooLarge, kRefusedLongRequestLimit, kRefusedResponseTimeout};

}  // namespace profbufd::http
