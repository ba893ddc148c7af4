// profbufd's HTTP server (cpp-httplib): /metrics for Prometheus,
// /debug/pprof/profile for go tool pprof, Parca and Grafana Alloy, /healthz,
// the flame graph page and its JSON endpoints (http/page_endpoints.h), and
// the list of endpoints. Read-only: no endpoint writes a file or runs anything.
//
// Connections are owned by an acceptor thread (http/acceptor.h), not by
// cpp-httplib's loop: a worker gets a connection only once a whole request
// is buffered, so idle or slow clients cannot hold the workers.
//
// Limits (constants below, ServerOptions, endpoints.h, profile_query.h;
// refusals are counted by reason, http/refusals.h):
// - at most ServerOptions::max_connections open at once; the next one is
//   answered a one-line 503 at accept and closed;
// - the request head (and a body of at most kMaxBodyBytes) must be all there
//   within header_timeout of the accept or of the previous response: one
//   deadline for the whole head, not per read; then a one-line 408. A head
//   larger than kMaxHeadBytes is a 431; the request line and each header
//   line at most 8 KiB (cpp-httplib's compiled-in limit, 414 / 400 beyond);
// - GET only: every other method, on every path, is a 405 with Allow: GET,
//   answered before cpp-httplib (which would wait for a body a POST without
//   Content-Length never sends);
// - kWorkerThreads requests are answered at once; a worker never waits for a
//   client: it reads the socket until kWorkerReadTimeout at most (the request
//   is buffered already) and answers into a buffer that the acceptor writes;
//   the client must take the whole response within write_timeout, else the
//   connection is closed; a kept-alive connection waits for its next request
//   in the acceptor, for at most kKeepAliveMaxRequests requests;
// - at most kMaxConcurrentProfiles profile windows (/debug/pprof/profile,
//   /api/collect: the requests that hold a worker for seconds) at once, so
//   they never take more than 8 of the 16 workers; then 503 at once.
//
// Threads: start() runs the acceptor thread; requests run on a pool of
// kWorkerThreads; each profile window on a thread of its own (see
// collections.h). stop() (or the destructor) answers 503 to profile
// requests still waiting, stops the acceptor (closing the listening socket
// and every connection it holds, responses not yet taken included), lets
// workers finish the request they answer and joins them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/error.h"
#include "http/collections.h"
#include "http/listen_address.h"
#include "http/profile_source.h"
#include "http/profile_store.h"

namespace httplib {
class ThreadPool;
struct Request;
struct Response;
}  // namespace httplib

namespace profbufd::http {

class Acceptor;
struct Connection;
class Engine;
class PageEndpoints;

inline constexpr std::size_t kWorkerThreads = 16;
inline constexpr std::chrono::seconds kWriteTimeout{5};
inline constexpr std::chrono::seconds kWorkerReadTimeout{1};
inline constexpr std::size_t kKeepAliveMaxRequests = 100;
inline constexpr std::size_t kMaxBodyBytes = 1024;
inline constexpr std::size_t kMaxHeadBytes = 16 * 1024;
// Default --http-max-connections: far above what Prometheus, a browser tab
// and a few pprof clients open (each a handful), and what idle or trickling
// clients must fill before anyone else is refused; each waiting connection
// costs a descriptor and at most kMaxHeadBytes + kMaxBodyBytes of buffer
// (17 MiB at worst for all of them).
inline constexpr std::size_t kDefaultMaxConnections = 1024;
// Default whole-head deadline: Prometheus and pprof clients send their
// request in one write, at once.
inline constexpr std::chrono::milliseconds kDefaultHeaderTimeout{5000};

// The Content-Security-Policy of every response: scripts, styles and fetches
// only from this server's own URLs (/ui/..., /api/...), no inline script or
// style, no plugins, no framing, no forms. The page is built for it: its code
// lives in /ui/app.js and every name goes into the DOM as text.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct ServerOptions {
  // Set: GET / is the flame graph page over this store, with its /ui/ and
  // /api/ endpoints (http/page_endpoints.h); the endpoint list moves to
  // /endpoints. Must outlive the Server.
  ProfileStore* store = nullptr;
  // A loopback-only server (no --http-allow-remote) answers 403 to a request
  // whose Host header names anything but a loopback address, "localhost" or
  // the --http-listen host: a web page elsewhere can make a browser on this
  // host send requests here (DNS rebinding), but they carry that page's host
  // name, so it cannot read profiles through them.
  bool loopback_host_only = false;
  // --http-max-connections: connections open at once, waiting or answered.
  std::size_t max_connections = kDefaultMaxConnections;
  std::chrono::milliseconds header_timeout = kDefaultHeaderTimeout;
  std::chrono::milliseconds write_timeout = kWriteTimeout;
  // Called once per refusal with its reason (http/refusals.h), from the
  // acceptor thread or a worker.
  std::function<void(std::string_view reason)> on_refused = nullptr;
};

// Whatever the options, a request a browser sends for another site's page
// (Sec-Fetch-Site cross-site or same-site, and not a navigation) gets 403.

// True when `host` (a Host header: name or address, with or without a port)
// is one a loopback-only server answers; `listen_host` is --http-listen's.
bool accepted_host(std::string_view host, std::string_view listen_host);

class Server {
 public:
  // Returns the Prometheus text page. Called on a worker thread, possibly on
  // several at once.
  using MetricsPage = std::function<std::string()>;
  // Called once for every response written, with endpoint_label(path) and
  // the status code. Called on worker threads, possibly on several at once.
  using ResponseHook = std::function<void(std::string_view endpoint, int code)>;

  // `source` must outlive the Server. Nothing is bound before start().
  Server(ListenAddress address, ProfileSource& source, MetricsPage metrics,
         ResponseHook on_response, ServerOptions options = {});
  // stop(), then waits for profile windows still open in the source: stop
  // sampling before destroying the Server (the source then ends them).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving. Fails (ExitCode::kRuntime) when the address
  // cannot be bound (in use, not an address of this host, no permission for
  // a port below 1024) or when called twice.
  Status start();

  // The bound port once start() succeeded (the kernel's choice for port 0),
  // else 0.
  std::uint16_t port() const;

  // Connections open now (0 before start()).
  std::size_t open_connections() const;

  // Stops accepting and serving; returns within about kWriteTimeout even with
  // profile requests in flight (they get 503). Idempotent; safe from any
  // thread except a request handler's.
  void stop();

 private:
  void route();  // the four below, once, from the constructor
  void configure_engine();
  void guard_requests();
  void route_endpoints();
  void handle_errors();
  void dispatch(std::unique_ptr<Connection> conn);
  void serve(std::unique_ptr<Connection> conn);
  void refused(std::string_view reason) const;
  void serve_index(const httplib::Request& req, httplib::Response& res);
  void serve_metrics(const httplib::Request& req, httplib::Response& res);
  // `kind` empty: the CPU kind (the source's default).
  // `default_type`, when given, is the sample type the profile leads with
  // instead of the kind's default (Request::sample_type: the heap kind's
  // profile is Go's allocs profile or, with inuse_space, its heap).
  void serve_profile(const httplib::Request& req, httplib::Response& res, std::string_view kind,
                     std::string_view default_type = {});
  void serve_pprof_index(const httplib::Request& req, httplib::Response& res);
  void serve_healthz(const httplib::Request& req, httplib::Response& res);

  const ListenAddress address_;
  ProfileSource& source_;
  const MetricsPage metrics_;
  const ResponseHook on_response_;
  const ServerOptions options_;
  Collections collections_;
  std::unique_ptr<PageEndpoints> page_;
  std::unique_ptr<Engine> http_;

  // Guards the lifecycle fields below; start() and stop() may race (a signal
  // thread stopping while main still starts).
  mutable std::mutex mu_;
  bool started_ = false;
  bool stopped_ = false;
  std::uint16_t port_ = 0;
  std::unique_ptr<httplib::ThreadPool> workers_;
  std::unique_ptr<Acceptor> acceptor_;
};

}  // namespace profbufd::http
