#include "http/listen_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

namespace profbufd::http {
namespace {

constexpr std::string_view kAddressHint = "e.g. 127.0.0.1:6060, [::1]:6060, localhost:6060 or :6060";
// RFC 1035: a name is at most 253 characters written out.
constexpr std::size_t kMaxHostName = 253;

Error bad_address(std::string_view text, std::string why) {
  return make_error(ExitCode::kUsage, std::string(text), std::move(why), std::string(kAddressHint));
}

bool is_ipv6_literal(const std::string& text) {
  in6_addr a{};
  return inet_pton(AF_INET6, text.c_str(), &a) == 1;
}

// Letters, digits, '-' and '.': host names and IPv4 literals. Anything else
// (spaces, '/', '%', '@') is a typo or an attempt at something the resolver
// would treat differently from what the user sees.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostName) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.';
  });
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  if (text.empty()) return bad_address(text, "empty address");
  if (text.find("://") != std::string_view::npos) {
    return bad_address(text, "a URL; give only HOST:PORT");
  }
  ListenAddress a;
  std::string_view port_text;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return bad_address(text, "no ']' after the IPv6 address");
    a.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6_literal(a.host)) {
      return bad_address(text, "\"" + a.host + "\" in brackets is not an IPv6 address");
    }
    const std::string_view rest = text.substr(close + 1);
    if (!rest.starts_with(':')) return bad_address(text, "missing :PORT after the address");
    port_text = rest.substr(1);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad_address(text, "missing :PORT");
    const std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return bad_address(text, "an IPv6 address needs brackets, as in [::1]:6060");
    }
    if (!host.empty() && !is_host_name(host)) {
      return bad_address(text, "\"" + std::string(host) + "\" is not a host name or address");
    }
    a.host = host.empty() ? std::string(kDefaultListenHost) : std::string(host);
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty()) return bad_address(text, "missing port number");
  std::uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') {
      return bad_address(text, "port \"" + std::string(port_text) + "\" is not a whole number");
    }
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
    if (port > 65535) {
      return bad_address(text, "port " + std::string(port_text) + " is above 65535");
    }
  }
  a.port = static_cast<std::uint16_t>(port);
  return a;
}

std::string format_listen_address(const ListenAddress& a) {
  const bool bracket = a.host.find(':') != std::string::npos;
  return (bracket ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

bool is_loopback_address(std::string_view numeric) {
  const std::string text(numeric);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:a.b.c.d: the kernel delivers these to and from IPv4 a.b.c.d.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

Result<std::vector<std::string>> resolve_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    return make_error(ExitCode::kUsage, host, std::string("cannot resolve: ") + gai_strerror(rc),
                      "use a numeric address such as 127.0.0.1");
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(list, freeaddrinfo);
  std::vector<std::string> addresses;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    char buf[NI_MAXHOST];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) != 0) {
      continue;
    }
    if (std::find(addresses.begin(), addresses.end(), buf) == addresses.end()) {
      addresses.emplace_back(buf);
    }
  }
  if (addresses.empty()) {
    return make_error(ExitCode::kUsage, host, "resolves to no IP address",
                      "use a numeric address such as 127.0.0.1");
  }
  return addresses;
}

Status require_loopback(const ListenAddress& a, const Resolver& resolver) {
  const std::string shown = format_listen_address(a);
  auto addresses = resolver(a.host);
  if (!addresses) {
    Error e = addresses.error();
    e.what = shown;
    return e;
  }
  // Every address must be loopback: the server binds whichever one the
  // resolver lists first that works, so a single public one is enough to leak.
  for (const std::string& address : *addresses) {
    if (is_loopback_address(address)) continue;
    std::string why = address == a.host ? "not a loopback address"
                                        : "resolves to " + address + ", not a loopback address";
    return make_error(ExitCode::kUsage, shown,
                      why + ", and profiles reveal every process on this host",
                      "listen on 127.0.0.1 or [::1], or add --http-allow-remote to serve "
                      "other machines");
  }
  return ok_status();
}

}  // namespace profbufd::http
