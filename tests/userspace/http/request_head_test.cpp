#include "http/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace profbufd::http {
namespace {

using State = HeadScan::State;

HeadScan scan(std::string_view data, std::size_t max_head = 64, std::size_t max_body = 16) {
  return scan_request_head(data, max_head, max_body);
}

TEST(RequestHead, IncompleteUntilTheEmptyLine) {
  EXPECT_EQ(scan("").state, State::kIncomplete);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\n").state, State::kIncomplete);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\r\n").state, State::kIncomplete);
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: a\r\n\r").state, State::kIncomplete);
  const std::string req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const HeadScan s = scan(req);
  EXPECT_EQ(s.state, State::kComplete);
  EXPECT_EQ(s.request_bytes, req.size());
}

TEST(RequestHead, BareLineFeedsEndTheHeadToo) {
  const HeadScan s = scan("GET / HTTP/1.1\nHost: a\n\nGET /next");
  EXPECT_EQ(s.state, State::kComplete);
  EXPECT_EQ(s.request_bytes, std::string("GET / HTTP/1.1\nHost: a\n\n").size());
}

TEST(RequestHead, PipelinedBytesAreNotPartOfTheRequest) {
  const std::string first = "GET /a HTTP/1.1\r\n\r\n";
  const HeadScan s = scan(first + "GET /b HTTP/1.1\r\n\r\n");
  EXPECT_EQ(s.state, State::kComplete);
  EXPECT_EQ(s.request_bytes, first.size());
}

TEST(RequestHead, WaitsForASmallAnnouncedBody) {
  const std::string head = "POST /m HTTP/1.1\r\ncontent-LENGTH:  5 \r\n\r\n";
  EXPECT_EQ(scan(head).state, State::kIncomplete);
  EXPECT_EQ(scan(head + "abcd").state, State::kIncomplete);
  const HeadScan s = scan(head + "abcdeGET");
  EXPECT_EQ(s.state, State::kComplete);
  EXPECT_EQ(s.request_bytes, head.size() + 5);
}

TEST(RequestHead, LargeOrChunkedBodiesAreHandedOverWithTheHead) {
  const std::string big = "POST /m HTTP/1.1\r\nContent-Length: 17\r\n\r\n";
  EXPECT_EQ(scan(big).state, State::kComplete);
  EXPECT_EQ(scan(big).request_bytes, big.size());
  const std::string chunked = "POST /m HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(scan(chunked).state, State::kComplete);
  EXPECT_EQ(scan(chunked).request_bytes, chunked.size());
  const std::string junk = "POST /m HTTP/1.1\r\nContent-Length: 1x\r\n\r\n";
  EXPECT_EQ(scan(junk).state, State::kComplete);
}

TEST(RequestHead, TooLargeOnceMaxHeadBytesHoldNoEnd) {
  EXPECT_EQ(scan(std::string(63, 'a')).state, State::kIncomplete);
  EXPECT_EQ(scan(std::string(64, 'a')).state, State::kTooLarge);
  // The end lies past max_head: too large as well, whatever follows.
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nX: " + std::string(60, 'a') + "\r\n\r\n").state,
            State::kTooLarge);
}

TEST(RequestHead, HeaderValuesIgnoreCaseAndStopAtTheEndOfTheHead) {
  const std::string_view head =
      "GET / HTTP/1.1\r\nHost:  x \r\nX-A: 1\r\n\r\nContent-Length: 9\r\n";
  EXPECT_EQ(header_value(head, "host"), "x");
  EXPECT_EQ(header_value(head, "X-A"), "1");
  EXPECT_EQ(header_value(head, "Content-Length"), std::nullopt);
  EXPECT_EQ(header_value("Host: y\r\n\r\n", "Host"), std::nullopt) << "that is a request line";
  EXPECT_EQ(content_length("GET / HTTP/1.1\r\nContent-Length: 12\r\n\r\n"), 12u);
  EXPECT_EQ(content_length("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), std::nullopt);
  EXPECT_EQ(content_length("GET / HTTP/1.1\r\nContent-Lengthy: 1\r\n\r\n"), std::nullopt);
}

TEST(RequestHead, BodyWithinKnowsWhereTheBodyEnds) {
  EXPECT_TRUE(body_within("GET / HTTP/1.1\r\n\r\n", 16));
  EXPECT_TRUE(body_within("GET / HTTP/1.1\r\nContent-Length: 16\r\n\r\n", 16));
  EXPECT_FALSE(body_within("GET / HTTP/1.1\r\nContent-Length: 17\r\n\r\n", 16));
  EXPECT_FALSE(body_within("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 16));
  EXPECT_FALSE(body_within("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 16));
}

TEST(RequestHead, RequestLineMethodAndPath) {
  RequestLine r = request_line("DELETE /debug/pprof/profile?seconds=3 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.method, "DELETE");
  EXPECT_EQ(r.path, "/debug/pprof/profile");
  r = request_line("FOO\r\n\r\n");
  EXPECT_EQ(r.method, "FOO");
  EXPECT_EQ(r.path, "");
  r = request_line("GET /x\n\n");
  EXPECT_EQ(r.path, "/x");
}

}  // namespace
}  // namespace profbufd::http
