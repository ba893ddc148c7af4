// ConnectionStream over a socketpair: buffered bytes first, then the socket,
// and deadlines that bound a whole request rather than each call.
#include "http/connection_stream.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace profbufd::http {
namespace {

using namespace std::chrono_literals;
using Clock = ConnectionStream::Clock;

struct Pair {
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    conn = std::make_unique<Connection>(fds[0], 7);
    peer = fds[1];
  }
  ~Pair() { ::close(peer); }
  std::unique_ptr<Connection> conn;
  int peer;
};

std::string read_some(ConnectionStream& s, std::size_t n) {
  std::string out(n, '\0');
  const ssize_t got = s.read(out.data(), n);
  out.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
  return out;
}

TEST(ConnectionStream, ReadsTheBufferThenTheSocket) {
  Pair p;
  p.conn->in = "GET / HTTP/1.1\r\n\r\nNEXT";
  ConnectionStream s(*p.conn, Clock::now() + 1s);
  EXPECT_TRUE(s.is_readable());
  EXPECT_EQ(read_some(s, 18), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(read_some(s, 100), "NEXT");
  ASSERT_EQ(::write(p.peer, "more", 4), 4);
  EXPECT_EQ(read_some(s, 100), "more");
  EXPECT_FALSE(s.broken());
}

TEST(ConnectionStream, ConsumedBytesLeaveThePipelinedRequest) {
  Pair p;
  p.conn->in = "GET /a HTTP/1.1\r\n\r\nGET /b";
  ConnectionStream s(*p.conn, Clock::now() + 1s);
  EXPECT_EQ(read_some(s, 19), "GET /a HTTP/1.1\r\n\r\n");
  s.consume_read_bytes();
  EXPECT_EQ(p.conn->in, "GET /b");
}

TEST(ConnectionStream, ReadsEndAtTheDeadlineEvenWhenBytesTrickle) {
  Pair p;
  const auto start = Clock::now();
  ConnectionStream s(*p.conn, start + 300ms);
  // One byte every 100 ms keeps each read() short, but not the request.
  std::size_t got = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(::write(p.peer, "x", 1), 1);
    char c;
    if (s.read(&c, 1) < 0) break;
    ++got;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(s.broken());
  EXPECT_LE(got, 5u);
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST(ConnectionStream, ClientCloseFailsTheRead) {
  Pair p;
  ConnectionStream s(*p.conn, Clock::now() + 1s);
  ::shutdown(p.peer, SHUT_WR);
  char c;
  EXPECT_EQ(s.read(&c, 1), -1);
  EXPECT_TRUE(s.broken());
}

TEST(ConnectionStream, WritesNeverWaitForTheClient) {
  Pair p;  // the peer never reads
  ConnectionStream s(*p.conn, Clock::now() + 1s);
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 64; ++i) ASSERT_EQ(s.write(chunk.data(), chunk.size()), 64 * 1024);
  EXPECT_TRUE(s.is_writable());
  EXPECT_EQ(p.conn->out.size(), 64u * chunk.size()) << "for the acceptor to write";
  EXPECT_FALSE(s.broken());
}

TEST(ConnectionStream, ReportsTheSocketsAddresses) {
  Pair p;
  ConnectionStream s(*p.conn, Clock::now() + 1s);
  std::string ip = "unset";
  int port = -1;
  s.get_remote_ip_and_port(ip, port);  // AF_UNIX: no address, no port
  EXPECT_EQ(ip, "");
  EXPECT_EQ(port, 0);
  EXPECT_EQ(s.socket(), p.conn->fd);
}

}  // namespace
}  // namespace profbufd::http
