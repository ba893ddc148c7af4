// The address the HTTP server listens on (--http-listen HOST:PORT), and the
// loopback rule: profiles and metrics name every process on the host, so by
// default only loopback addresses are accepted; anything else must be asked
// for explicitly (--http-allow-remote).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace profbufd::http {

// ":PORT" (no host) means this one: loopback, IPv4, as Go's ":6060" would be
// "every interface" and that is exactly what must not happen by accident.
inline constexpr std::string_view kDefaultListenHost = "127.0.0.1";

struct ListenAddress {
  // An IPv4 literal, an IPv6 literal (without brackets) or a host name; never
  // empty.
  std::string host;
  // 0 asks the kernel for a free port; the server reports the one it got.
  std::uint16_t port = 0;

  bool operator==(const ListenAddress&) const = default;
};

// "HOST:PORT" with HOST an IPv4 address, a name, or an IPv6 address in
// brackets ("[::1]:6060"); ":PORT" means kDefaultListenHost:PORT. PORT is a
// decimal number 0..65535. Errors are ExitCode::kUsage with `why` saying what is
// wrong with `text` and `hint` showing a valid form; `what` is the text itself,
// callers that know the flag name replace it.
Result<ListenAddress> parse_listen_address(std::string_view text);

// "127.0.0.1:6060", "[::1]:6060", "localhost:6060": parses back to `a`.
std::string format_listen_address(const ListenAddress& a);

// True for a numeric address in 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104
// (IPv4-mapped loopback). False for anything else, including the wildcard
// addresses 0.0.0.0 and :: and text that is not a numeric address.
bool is_loopback_address(std::string_view numeric);

// Every numeric address `host` stands for (an address literal stands for
// itself). An Error (ExitCode::kUsage) when the name does not resolve.
using Resolver = std::function<Result<std::vector<std::string>>(const std::string& host)>;

// The system resolver (getaddrinfo: /etc/hosts, then DNS as nsswitch says).
Result<std::vector<std::string>> resolve_host(const std::string& host);

// Ok when every address `a.host` resolves to is loopback, so that binding to
// it cannot expose the server to other machines. Otherwise an ExitCode::kUsage
// Error saying which address is not loopback, with a hint naming the
// --http-allow-remote flag; `what` is the formatted address.
Status require_loopback(const ListenAddress& a, const Resolver& resolver = resolve_host);

}  // namespace profbufd::http
