#include "http/method_gate.h"

#include <gtest/gtest.h>

#include <string>

namespace profbufd::http {
namespace {

std::optional<MethodRefusal> refuse(std::string_view req, bool close = false) {
  return refuse_method(req, 16 * 1024, 1024, close);
}

std::string body_of(const std::string& response) {
  return response.substr(response.find("\r\n\r\n") + 4);
}

TEST(MethodGate, GetPasses) { EXPECT_FALSE(refuse("GET /metrics HTTP/1.1\r\n\r\n")); }

TEST(MethodGate, PostWithoutBodyIs405AndTheConnectionGoesOn) {
  const std::string req = "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string buffered = req + "GET /healthz HTTP/1.1\r\n\r\n";
  const auto r = refuse(buffered);  // r->path points into `buffered`
  ASSERT_TRUE(r);
  EXPECT_EQ(r->response.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << r->response;
  EXPECT_NE(r->response.find("\r\nAllow: GET\r\n"), std::string::npos);
  EXPECT_NE(r->response.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_EQ(r->response.find("Connection: close"), std::string::npos);
  EXPECT_EQ(body_of(r->response), "profbufd: method POST not allowed (use GET)\n");
  EXPECT_TRUE(r->keep_alive);
  EXPECT_EQ(r->request_bytes, req.size());
  EXPECT_EQ(r->path, "/metrics");
}

TEST(MethodGate, ASmallBodyIsSkippedWithTheRequest) {
  const std::string req = "PUT /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  const auto r = refuse(req + "GET");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->keep_alive);
  EXPECT_EQ(r->request_bytes, req.size());
}

TEST(MethodGate, AnUnknownEndOfBodyClosesTheConnection) {
  for (const char* req : {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n",
                          "POST / HTTP/1.1\r\nContent-Length: lots\r\n\r\n"}) {
    const auto r = refuse(req);
    ASSERT_TRUE(r) << req;
    EXPECT_FALSE(r->keep_alive) << req;
    EXPECT_NE(r->response.find("\r\nConnection: close\r\n"), std::string::npos) << req;
  }
}

TEST(MethodGate, EveryOtherMethodOnEveryPath) {
  for (const char* m : {"PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "FOO"}) {
    for (const char* path : {"/", "/metrics", "/no/such/path", "/ui/app.js"}) {
      const auto r = refuse(std::string(m) + " " + path + " HTTP/1.1\r\n\r\n");
      ASSERT_TRUE(r) << m << " " << path;
      EXPECT_EQ(r->response.rfind("HTTP/1.1 405 ", 0), 0u);
      EXPECT_EQ(body_of(r->response),
                "profbufd: method " + std::string(m) + " not allowed (use GET)\n");
    }
  }
}

TEST(MethodGate, HeadGetsTheHeadersOnly) {
  const auto r = refuse("HEAD /healthz HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(body_of(r->response), "");
  EXPECT_NE(r->response.find("Content-Length: 44\r\n"), std::string::npos) << r->response;
}

TEST(MethodGate, AMethodNotFitToQuoteIsNotQuoted) {
  const auto r = refuse("<script>x /a HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(body_of(r->response), "profbufd: method not allowed (use GET)\n");
}

TEST(MethodGate, TheClientsCloseIsHonoured) {
  for (const char* req :
       {"DELETE / HTTP/1.1\r\nConnection: Close\r\n\r\n", "DELETE / HTTP/1.0\r\n\r\n"}) {
    const auto r = refuse(req);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->keep_alive) << req;
    EXPECT_NE(r->response.find("Connection: close"), std::string::npos) << req;
  }
  const auto r = refuse("DELETE / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->keep_alive);
}

TEST(MethodGate, CloseIsHonoured) {
  const auto r = refuse("DELETE / HTTP/1.1\r\n\r\n", true);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keep_alive);
  EXPECT_NE(r->response.find("Connection: close"), std::string::npos);
}

}  // namespace
}  // namespace profbufd::http
