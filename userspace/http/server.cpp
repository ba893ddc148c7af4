#include "http/server.h"

#include "http/cpp_httplib.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "common/log.h"
#include "encode/goroutine_text.h"
#include "encode/render.h"
#include "http/acceptor.h"
#include "http/admission.h"
#include "http/connection_stream.h"
#include "http/endpoints.h"
#include "http/engine.h"
#include "http/method_gate.h"
#include "http/page_endpoints.h"
#include "http/pprof_index.h"
#include "http/profile_query.h"
#include "http/refusals.h"
#include "http/request_head.h"

namespace profbufd::http {
namespace {

constexpr const char* kTextContentType = "text/plain; charset=utf-8";

void reply_error(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kTextContentType);
}

// Bodies for the errors cpp-httplib produces itself (no route, malformed
// request, limits), which arrive with an empty body.
std::string library_error_body(int status) {
  switch (status) {
    case 400: return error_body("bad request");
    case 404: return error_body("no such endpoint (GET / lists them)");
    case 413: return error_body("request body too large (GET requests have none)");
    case 414: return error_body("request line too long");
    default: return error_body("HTTP error " + std::to_string(status));
  }
}

Error bind_error(const ListenAddress& a, int err) {
  const std::string what = "http: listening on " + format_listen_address(a);
  switch (err) {
    case EADDRINUSE:
      return make_error(ExitCode::kRuntime, what, "address already in use",
                        "another program listens there; choose another port with --http-listen");
    case EADDRNOTAVAIL:
      return make_error(ExitCode::kRuntime, what, "not an address of this host",
                        "use an address of a local interface with --http-listen");
    case EACCES:
      return make_error(ExitCode::kRuntime, what, "permission denied",
                        "ports below 1024 need CAP_NET_BIND_SERVICE; use a higher port");
    case 0:
      return make_error(ExitCode::kRuntime, what, "cannot bind",
                        "check the address given to --http-listen");
    default:
      return make_error(ExitCode::kRuntime, what, std::strerror(err),
                        "check the address given to --http-listen");
  }
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "name", "name:port", "[v6]", "[v6]:port", "v4:port" -> the name or address.
std::string_view host_part(std::string_view host) {
  if (host.starts_with('[')) {
    const auto end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(1, end - 1);
  }
  const auto colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

bool loopback_literal(std::string_view h) {
  in_addr v4{};
  in6_addr v6{};
  const std::string s(h);
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, s.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// Fetch Metadata: a browser says which site made it send a request. One from
// another site's page (an <img src>, a fetch) that is not a navigation is
// refused: the page's own requests are same-origin, and a web page elsewhere
// must not be able to start collections (/api/collect holds a window slot
// for up to 300 s) through a visitor's browser. Clients that are not
// browsers send no such header and are not affected.
bool cross_site_subresource(const httplib::Request& req) {
  const std::string site = req.get_header_value("Sec-Fetch-Site");
  if (site != "cross-site" && site != "same-site") return false;
  return req.get_header_value("Sec-Fetch-Mode") != "navigate";
}

}  // namespace

bool accepted_host(std::string_view host, std::string_view listen_host) {
  const std::string_view h = host_part(host);
  if (h.empty()) return false;
  if (equals_ignoring_case(h, "localhost") || loopback_literal(h)) return true;
  if (h.size() > 10 && equals_ignoring_case(h.substr(h.size() - 10), ".localhost")) return true;
  return !listen_host.empty() && equals_ignoring_case(h, host_part(listen_host));
}

Server::Server(ListenAddress address, ProfileSource& source, MetricsPage metrics,
               ResponseHook on_response, ServerOptions options)
    : address_(std::move(address)),
      source_(source),
      metrics_(std::move(metrics)),
      on_response_(std::move(on_response)),
      options_(options),
      collections_(source, kMaxConcurrentProfiles,
                   [this] { refused(kRefusedLongRequestLimit); }),
      http_(std::make_unique<Engine>()) {
  if (options_.store) page_ = std::make_unique<PageEndpoints>(*options_.store, collections_, source_);
  route();
}

Server::~Server() { stop(); }

void Server::route() {
  configure_engine();
  guard_requests();
  route_endpoints();
  handle_errors();
}

void Server::configure_engine() {
  httplib::Server& s = *http_;
  // Only for the Keep-Alive header cpp-httplib writes: the acceptor and
  // serve() enforce both.
  s.set_keep_alive_timeout(
      std::chrono::ceil<std::chrono::seconds>(options_.header_timeout).count());
  s.set_keep_alive_max_count(kKeepAliveMaxRequests);
  s.set_payload_max_length(kMaxBodyBytes);
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                         {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
                         {"X-Frame-Options", "DENY"},
                         {"Referrer-Policy", "no-referrer"}});
  // SO_REUSEADDR only: a restart binds again while old connections sit in
  // TIME_WAIT. cpp-httplib's default adds SO_REUSEPORT, which would let a
  // second profbufd (or any process of the same user) bind the same port and
  // take half the scrapes, instead of failing with "address already in use".
  s.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

// Requests refused before routing: a foreign Host, a cross-site subresource.
void Server::guard_requests() {
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (options_.loopback_host_only && req.has_header("Host") &&
        !accepted_host(req.get_header_value("Host"), address_.host)) {
      reply_error(res, 403,
                  error_body("Host header not accepted: this server answers loopback names "
                             "only (use http://127.0.0.1:PORT/, or --http-allow-remote)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (cross_site_subresource(req)) {
      reply_error(res, 403,
                  error_body("cross-site request refused (open the page itself, or use a "
                             "client that is not a browser)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

void Server::route_endpoints() {
  httplib::Server& s = *http_;
  // Only GET requests reach cpp-httplib (serve() answers the others).
  if (page_) {
    page_->route(s);
  } else {
    s.Get(std::string(kIndexPath), [this](const auto& req, auto& res) { serve_index(req, res); });
  }
  s.Get(std::string(kEndpointsPath),
        [this](const auto& req, auto& res) { serve_index(req, res); });
  s.Get(std::string(kMetricsPath), [this](const auto& req, auto& res) { serve_metrics(req, res); });
  s.Get(std::string(kPprofIndexPath),
        [this](const auto& req, auto& res) { serve_pprof_index(req, res); });
  // Each kind's Go path; "" is the CPU kind's.
  constexpr std::pair<std::string_view, std::string_view> kProfiles[] = {
      {kProfilePath, ""}, {kBlockPath, "block"}, {kThreadcreatePath, "threadcreate"},
      {kMutexPath, "mutex"}, {kAllocsPath, "heap"}, {kGoroutinePath, "goroutine"}};
  for (const auto& [path, kind] : kProfiles)
    s.Get(std::string(path),
          [this, k = kind](const auto& req, auto& res) { serve_profile(req, res, k); });
  s.Get(std::string(kHeapPath), [this](const auto& req, auto& res) {
    serve_profile(req, res, "heap", "inuse_space");
  });
  s.Get(std::string(kHealthzPath), [this](const auto& req, auto& res) { serve_healthz(req, res); });
}

void Server::handle_errors() {
  httplib::Server& s = *http_;
  // Called for every response with status >= 400, including ours: fill in
  // only what the library left empty.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) res.set_content(library_error_body(res.status), kTextContentType);
  });
  s.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log::error("http: " + req.method + " " + std::string(endpoint_label(req.path)) +
                   ": internal error: " + what);
        reply_error(res, 500, error_body("internal error"));
      });
  // The logger runs once per response written, library errors included.
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (on_response_) on_response_(endpoint_label(req.path), res.status);
  });
}

namespace {

// Enough descriptors for max_connections sockets plus profbufd's own files
// (perf events, BPF maps, binaries being read): the soft limit is raised
// towards the hard one, as Go's runtime does for its programs at start.
void raise_fd_limit(std::size_t max_connections) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_connections) + 512;
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &lim);
}

// cpp-httplib listens with a backlog of 5: connections arriving in a burst
// past that wait for SYN retransmits (1 s and more) before the acceptor can
// even refuse them. Listening again on a listening socket sets the backlog.
constexpr int kListenBacklog = 1024;

}  // namespace

Status Server::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopped_) {
    return make_error(ExitCode::kRuntime, "http: start", "the server was started before");
  }
  errno = 0;
  int port = -1;
  if (address_.port == 0) {
    port = http_->bind_to_any_port(address_.host);
  } else if (http_->bind_to_port(address_.host, address_.port)) {
    port = address_.port;
  }
  // cpp-httplib reports only success; errno still holds the failed bind's
  // cause (nothing after it in the library touches errno on success paths).
  const int err = errno;
  if (port < 0) return bind_error(address_, err);
  const int fd = http_->take_listening_socket();
  ::listen(fd, kListenBacklog);
  raise_fd_limit(options_.max_connections);

  workers_ = std::make_unique<httplib::ThreadPool>(kWorkerThreads);
  const AcceptorLimits limits{.max_connections = options_.max_connections,
                              .header_timeout = options_.header_timeout,
                              .max_head_bytes = kMaxHeadBytes,
                              .max_body_bytes = kMaxBodyBytes,
                              .write_timeout = options_.write_timeout};
  acceptor_ = std::make_unique<Acceptor>(
      fd, limits, [this](std::unique_ptr<Connection> c) { dispatch(std::move(c)); },
      [this](std::string_view reason) { refused(reason); });
  if (auto st = acceptor_->start(); !st.ok()) {
    acceptor_.reset();
    workers_->shutdown();
    return st;
  }
  port_ = static_cast<std::uint16_t>(port);
  started_ = true;
  log::info("http: listening on " + format_listen_address({address_.host, port_}));
  return ok_status();
}

std::uint16_t Server::port() const {
  std::lock_guard lock(mu_);
  return port_;
}

std::size_t Server::open_connections() const {
  std::lock_guard lock(mu_);
  return acceptor_ ? acceptor_->open() : 0;
}

void Server::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  // First release the workers waiting for profile windows (503); then stop
  // the acceptor, which closes the listening socket and idle connections;
  // then join the workers (they finish what is queued: answers bounded by
  // the read and write deadlines, closed at once once given back).
  collections_.shutdown();
  if (acceptor_) acceptor_->stop();
  if (workers_) workers_->shutdown();
}

void Server::refused(std::string_view reason) const {
  if (options_.on_refused) options_.on_refused(reason);
}

// Acceptor thread: queue the connection for a worker. ThreadPool's queue
// takes copyable functions, hence the shared_ptr around the unique one.
void Server::dispatch(std::unique_ptr<Connection> conn) {
  auto held = std::make_shared<std::unique_ptr<Connection>>(std::move(conn));
  workers_->enqueue([this, held] { serve(std::move(*held)); });
}

// Worker: answer the one request conn->in starts with into conn->out, then
// give the connection back to the acceptor, which writes it.
void Server::serve(std::unique_ptr<Connection> conn) {
  ConnectionStream strm(*conn, std::chrono::steady_clock::now() + kWorkerReadTimeout);
  const bool last = conn->served + 1 >= kKeepAliveMaxRequests;
  bool keep = false;
  if (auto refusal = refuse_method(conn->in, kMaxHeadBytes, kMaxBodyBytes, last)) {
    conn->out += refusal->response;
    if (on_response_) on_response_(endpoint_label(refusal->path), 405);
    keep = refusal->keep_alive;
    if (keep) conn->in.erase(0, refusal->request_bytes);
  } else {
    // cpp-httplib reads no body for GET: skip one the head announced, so it
    // is never parsed as the next request; one of unknown end ends the
    // connection instead.
    const HeadScan scan = scan_request_head(conn->in, kMaxHeadBytes, kMaxBodyBytes);
    const bool body_known = body_within(std::string_view(conn->in).substr(0, scan.request_bytes),
                                        kMaxBodyBytes);
    bool client_closes = false;
    const bool written = http_->serve(strm, last || !body_known, client_closes);
    strm.consume_read_bytes(scan.request_bytes);
    keep = written && body_known && !client_closes && !last && !strm.broken();
  }
  ++conn->served;
  conn->keep_alive = keep;
  acceptor_->give_back(std::move(conn));
}

void Server::serve_index(const httplib::Request&, httplib::Response& res) {
  res.set_content(index_page(), "text/html; charset=utf-8");
}

void Server::serve_metrics(const httplib::Request&, httplib::Response& res) {
  res.set_content(metrics_(), std::string(kMetricsContentType));
}

void Server::serve_pprof_index(const httplib::Request&, httplib::Response& res) {
  res.set_content(pprof_index([this](std::string_view kind) -> std::optional<std::string> {
                    if (kind.empty()) return std::nullopt;
                    if (auto why = source_.unavailable(kind)) return why->line();
                    return std::nullopt;
                  }),
                  "text/html; charset=utf-8");
}

void Server::serve_healthz(const httplib::Request&, httplib::Response& res) {
  if (source_.healthy()) {
    res.set_content("ok\n", kTextContentType);
  } else {
    reply_error(res, 503, error_body("not sampling"));
  }
}

void Server::serve_profile(const httplib::Request& req, httplib::Response& res,
                           std::string_view kind, std::string_view default_type) {
  auto query = parse_profile_query(req.params);
  if (!query) {
    reply_error(res, 400, error_body(query.error()));
    return;
  }
  ProfileSource::Request request;
  request.kind = std::string(kind);
  request.duration = query->duration;
  request.pids = query->pids;
  request.cgroups = query->cgroups;
  request.containers = query->containers;
  request.sample_type = std::string(default_type);
  // Held until the profile is rendered: a kind attached per process on
  // request (heap) keeps its probes for that long.
  const std::optional<Hold> hold = admit(source_, request, res);
  if (!hold) return;
  Collections::Outcome outcome = collections_.collect(request);
  if (outcome.failure != Collections::Failure::kNone) {
    reply_error(res, 503, error_body(outcome.error));
    return;
  }
  // As Go's goroutine?debug=1: text for people, grouped by stack.
  if (query->debug_text && kind == "goroutine") {
    res.set_content(render_goroutine_text(*outcome.profile), kTextContentType);
    return;
  }
  auto bytes = render(*outcome.profile, query->format);
  if (!bytes) {
    log::error(bytes.error().line());
    reply_error(res, 500, error_body(bytes.error()));
    return;
  }
  // As Go's net/http/pprof names its download; json and folded display inline.
  if (query->format == OutputFormat::kPprof) {
    res.set_header("Content-Disposition", "attachment; filename=\"profile\"");
  }
  res.set_header("Content-Type", std::string(content_type(query->format)));
  res.body = std::move(*bytes);
}

}  // namespace profbufd::http
