#include "http/listen_address.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace profbufd::http {
namespace {

TEST(HttpListenAddress, ParsesEveryForm) {
  const std::vector<std::pair<std::string, ListenAddress>> cases = {
      {"127.0.0.1:6060", {"127.0.0.1", 6060}},
      {":6060", {"127.0.0.1", 6060}},
      {":0", {"127.0.0.1", 0}},
      {"[::1]:6060", {"::1", 6060}},
      {"[::]:1", {"::", 1}},
      {"[fe80::1:2]:65535", {"fe80::1:2", 65535}},
      {"localhost:6060", {"localhost", 6060}},
      {"my-host.example.org:80", {"my-host.example.org", 80}},
      {"0.0.0.0:00080", {"0.0.0.0", 80}},
  };
  for (const auto& [text, want] : cases) {
    auto r = parse_listen_address(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().line();
    EXPECT_EQ(*r, want) << text;
  }
}

TEST(HttpListenAddress, RejectsMalformedText) {
  const std::map<std::string, std::string> cases = {
      {"", "empty address"},
      {"6060", "missing :PORT"},
      {"localhost", "missing :PORT"},
      {"127.0.0.1:", "missing port number"},
      {"[::1]:", "missing port number"},
      {"127.0.0.1:65536", "port 65536 is above 65535"},
      {"127.0.0.1:6060x", "port \"6060x\" is not a whole number"},
      {"127.0.0.1: 6060", "port \" 6060\" is not a whole number"},
      {"127.0.0.1:+80", "port \"+80\" is not a whole number"},
      {"::1:6060", "an IPv6 address needs brackets, as in [::1]:6060"},
      {"[::1]", "missing :PORT after the address"},
      {"[::1]x:80", "missing :PORT after the address"},
      {"[::1:80", "no ']' after the IPv6 address"},
      {"[]:80", "\"\" in brackets is not an IPv6 address"},
      {"[localhost]:80", "\"localhost\" in brackets is not an IPv6 address"},
      {"[fe80::1%eth0]:80", "\"fe80::1%eth0\" in brackets is not an IPv6 address"},
      {"a/b:80", "\"a/b\" is not a host name or address"},
      {"user@host:80", "\"user@host\" is not a host name or address"},
      {"http://localhost:80", "a URL; give only HOST:PORT"},
      {std::string(254, 'a') + ":80", "\"" + std::string(254, 'a') + "\" is not a host name or address"},
  };
  for (const auto& [text, why] : cases) {
    auto r = parse_listen_address(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, ExitCode::kUsage) << text;
    EXPECT_EQ(r.error().what, text);
    EXPECT_EQ(r.error().why, why) << text;
    EXPECT_EQ(r.error().hint, "e.g. 127.0.0.1:6060, [::1]:6060, localhost:6060 or :6060");
  }
}

TEST(HttpListenAddress, FormatParsesBack) {
  for (const ListenAddress& a : {ListenAddress{"127.0.0.1", 6060}, ListenAddress{"::1", 0},
                                 ListenAddress{"localhost", 65535}}) {
    const std::string text = format_listen_address(a);
    auto back = parse_listen_address(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, a) << text;
  }
  EXPECT_EQ(format_listen_address({"::1", 6060}), "[::1]:6060");
  EXPECT_EQ(format_listen_address({"127.0.0.1", 80}), "127.0.0.1:80");
}

TEST(HttpListenAddress, LoopbackAddresses) {
  for (const char* a : {"127.0.0.1", "127.255.255.254", "127.0.0.0", "::1", "0:0:0:0:0:0:0:1",
                        "::ffff:127.0.0.1", "::ffff:127.1.2.3"}) {
    EXPECT_TRUE(is_loopback_address(a)) << a;
  }
  for (const char* a : {"0.0.0.0", "::", "128.0.0.1", "126.255.255.255", "10.0.0.1",
                        "192.168.1.1", "::2", "::ffff:10.0.0.1", "::127.0.0.1", "fe80::1",
                        "localhost", "", "127.0.0.1 ", "127.0.0.1:80"}) {
    EXPECT_FALSE(is_loopback_address(a)) << a;
  }
}

Resolver fake_resolver(std::map<std::string, std::vector<std::string>> table) {
  return [table = std::move(table)](const std::string& host) -> Result<std::vector<std::string>> {
    auto it = table.find(host);
    if (it == table.end()) {
      return make_error(ExitCode::kUsage, host, "cannot resolve: Name or service not known",
                        "use a numeric address such as 127.0.0.1");
    }
    return it->second;
  };
}

TEST(HttpListenAddress, RequireLoopbackChecksEveryResolvedAddress) {
  const Resolver r = fake_resolver({
      {"localhost", {"::1", "127.0.0.1"}},
      {"lanbox", {"192.168.1.5"}},
      {"split", {"127.0.0.1", "10.1.2.3"}},
      {"0.0.0.0", {"0.0.0.0"}},
  });
  EXPECT_TRUE(require_loopback({"localhost", 6060}, r).ok());

  auto lan = require_loopback({"lanbox", 6060}, r);
  ASSERT_FALSE(lan.ok());
  EXPECT_EQ(lan.error().line(),
            "profbufd: lanbox:6060: resolves to 192.168.1.5, not a loopback address, and "
            "profiles reveal every process on this host (listen on 127.0.0.1 or [::1], or add "
            "--http-allow-remote to serve other machines)");

  // One public address among loopback ones is enough to refuse.
  auto split = require_loopback({"split", 1}, r);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.error().why.rfind("resolves to 10.1.2.3, not a loopback address", 0), 0u);

  auto any = require_loopback({"0.0.0.0", 6060}, r);
  ASSERT_FALSE(any.ok());
  EXPECT_EQ(any.error().code, ExitCode::kUsage);
  EXPECT_EQ(any.error().why.rfind("not a loopback address", 0), 0u);

  auto unknown = require_loopback({"nowhere", 6060}, r);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().line(),
            "profbufd: nowhere:6060: cannot resolve: Name or service not known "
            "(use a numeric address such as 127.0.0.1)");
}

TEST(HttpListenAddress, SystemResolverOnLiteralsAndLocalhost) {
  auto v4 = resolve_host("127.0.0.1");
  ASSERT_TRUE(v4.ok()) << v4.error().line();
  EXPECT_EQ(*v4, std::vector<std::string>{"127.0.0.1"});
  auto v6 = resolve_host("::1");
  ASSERT_TRUE(v6.ok()) << v6.error().line();
  EXPECT_EQ(*v6, std::vector<std::string>{"::1"});
  // /etc/hosts names localhost on every Debian system; whatever it lists
  // (127.0.0.1, ::1) is loopback.
  auto local = resolve_host("localhost");
  ASSERT_TRUE(local.ok()) << local.error().line();
  ASSERT_FALSE(local->empty());
  for (const std::string& a : *local) EXPECT_TRUE(is_loopback_address(a)) << a;
  EXPECT_TRUE(require_loopback({"localhost", 6060}).ok());
  EXPECT_FALSE(require_loopback({"0.0.0.0", 6060}).ok());
  EXPECT_FALSE(require_loopback({"::", 6060}).ok());
}

}  // namespace
}  // namespace profbufd::http
