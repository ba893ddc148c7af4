// The libcurl transport against real servers on loopback: HTTP (cpp-httplib)
// and HTTPS (Python's ssl module, a self-signed certificate).
#include "sinks/pyroscope/curl_transport.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "http/cpp_httplib.h"

namespace profbufd::pyroscope {
namespace {

using namespace std::chrono_literals;

struct Receiver {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  httplib::Headers headers;  // of the last request
  std::string body;
  std::atomic<int> delay_ms{0};

  Receiver() {
    server.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu);
        headers = req.headers;
        body = req.body;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
      res.status = req.path == "/missing" ? 404 : 200;
      res.set_content("said: " + req.path, "text/plain");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server.stop();
    thread.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  std::string header(const std::string& name) {
    std::lock_guard lock(mu);
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

PostRequest request(const std::string& url) {
  PostRequest r;
  r.url = url;
  r.content_type = "application/proto";
  r.body = std::string("\x0a\x00\xff", 3);
  r.headers = {{"X-Scope-OrgID", "t1"}};
  r.timeout = 5s;
  return r;
}

TEST(CurlTransport, PostsTheBodyWithItsHeadersAndReadsTheStatus) {
  Receiver rx;
  CurlTransport t;
  const PostResult r = t.post(request(rx.url("/push.v1.PusherService/Push")));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "said: /push.v1.PusherService/Push");
  EXPECT_EQ(rx.header("Content-Type"), "application/proto");
  EXPECT_EQ(rx.header("X-Scope-OrgID"), "t1");
  EXPECT_EQ(rx.header("Authorization"), "");
  {
    std::lock_guard lock(rx.mu);
    EXPECT_EQ(rx.body, std::string("\x0a\x00\xff", 3));
  }
  EXPECT_EQ(t.post(request(rx.url("/missing"))).status, 404) << "on the same connection";
}

TEST(CurlTransport, BasicAuthComesFromTheCredentials) {
  Receiver rx;
  CurlTransport t(BasicAuth{"123456", "glc_secret"});
  ASSERT_EQ(t.post(request(rx.url("/"))).status, 200);
  // base64("123456:glc_secret")
  EXPECT_EQ(rx.header("Authorization"), "Basic MTIzNDU2OmdsY19zZWNyZXQ=");
}

TEST(CurlTransport, ASlowServerTimesOut) {
  Receiver rx;
  rx.delay_ms = 1500;
  CurlTransport t;
  PostRequest r = request(rx.url("/"));
  r.timeout = 200ms;
  const PostResult res = t.post(r);
  EXPECT_EQ(res.status, 0);
  EXPECT_TRUE(res.timed_out) << res.error;
}

TEST(CurlTransport, NoServerIsAnErrorNotAStatus) {
  int port;
  {
    Receiver rx;
    port = rx.port;
  }
  CurlTransport t;
  const PostResult r = t.post(request("http://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

// A TLS server on loopback (Python's ssl module) with a self-signed
// certificate made by openssl: the real TLS handshake of an HTTPS Pyroscope,
// by a server no system CA vouches for.
class TlsReceiver {
 public:
  TlsReceiver() {
    char tmpl[] = "/tmp/profbufd-tls-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                            "-keyout " + dir_ + "/key.pem -out " + dir_ + "/cert.pem 2>/dev/null";
    if (std::system(gen.c_str()) != 0) return;
    std::ofstream(dir_ + "/server.py") <<
        "import http.server, ssl, sys\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_POST(self):\n"
        "        self.send_response(200)\n"
        "        self.send_header('Content-Length', '0')\n"
        "        self.end_headers()\n"
        "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
        "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
        "c.load_cert_chain(sys.argv[1] + '/cert.pem', sys.argv[1] + '/key.pem')\n"
        "s.socket = c.wrap_socket(s.socket, server_side=True)\n"
        "print(s.server_address[1], flush=True)\n"
        "s.serve_forever()\n";
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      execlp("python3", "python3", (dir_ + "/server.py").c_str(), dir_.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    if (f == nullptr || std::fscanf(f, "%d", &port_) != 1) port_ = 0;
    if (f) std::fclose(f);
  }
  ~TlsReceiver() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }
  int port() const { return port_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// HTTPS is spoken (a plain-HTTP client would get no TLS error from a TLS
// server) and the certificate is checked against the system's CAs: a
// self-signed one is refused, as an error, never a status.
TEST(CurlTransport, HttpsChecksTheServerCertificate) {
  TlsReceiver tls;
  ASSERT_GT(tls.port(), 0) << "no TLS server (openssl, python3)";
  CurlTransport t;
  const PostResult r = t.post(request("https://127.0.0.1:" + std::to_string(tls.port()) + "/"));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("SSL"), std::string::npos) << r.error;
}

TEST(CurlTransport, AbortEndsARequestInFlight) {
  Receiver rx;
  rx.delay_ms = 3000;
  CurlTransport t;
  std::thread aborter([&] {
    std::this_thread::sleep_for(200ms);
    t.abort();
  });
  const PostResult r = t.post(request(rx.url("/")));
  aborter.join();
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "aborted at shutdown");
  EXPECT_EQ(t.post(request(rx.url("/"))).error, "aborted at shutdown") << "and every later one";
}

}  // namespace
}  // namespace profbufd::pyroscope
