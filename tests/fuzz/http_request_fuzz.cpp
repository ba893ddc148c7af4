// One connection's bytes through the full request path a worker runs:
// cpp-httplib's request parsing (request line, headers, percent-decoding of
// the query, Range, Content-Length), routed by http::Engine to handlers that
// check the Host header and parse the queries as the server's do. The
// handlers answer at once: what they would serve is not the parser's concern.
#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_input.h"
#include "http/engine.h"
#include "http/page_query.h"
#include "http/profile_query.h"
#include "http/server.h"

namespace {

using namespace profbufd::http;

// Reads come from the input, writes go nowhere.
class BytesStream final : public httplib::Stream {
 public:
  explicit BytesStream(std::string_view in) : in_(in) {}
  bool is_readable() const override { return !in_.empty(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, std::size_t size) override {
    const std::size_t n = std::min(size, in_.size());
    std::memcpy(ptr, in_.data(), n);
    in_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, std::size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 40000; }
  void get_local_ip_and_port(std::string& ip, int& port) const override { ip = "127.0.0.1", port = 6060; }
  socket_t socket() const override { return INVALID_SOCKET; }
  bool drained() const { return in_.empty(); }

 private:
  std::string_view in_;
};

template <typename Parse>
void answer(Parse parse, const httplib::Request& req, httplib::Response& res) {
  const auto q = parse(req.params);
  res.status = q ? 200 : 400;
  res.set_content(q ? std::string("ok") : q.error().line(), "text/plain");
}

Engine& engine() {
  static Engine* e = [] {
    auto* s = new Engine;
    s->set_payload_max_length(kMaxBodyBytes);
    s->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (accepted_host(req.get_header_value("Host"), "127.0.0.1")) return httplib::Server::HandlerResponse::Unhandled;
      res.status = 421;
      return httplib::Server::HandlerResponse::Handled;
    });
    s->Get("/debug/pprof/profile", [](const httplib::Request& req, httplib::Response& res) {
      answer(parse_profile_query, req, res);
    });
    s->Get("/api/profile", [](const httplib::Request& req, httplib::Response& res) {
      answer(parse_page_query, req, res);
    });
    return s;
  }();
  return *e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  BytesStream strm(profbufd::fuzz::text_of(data, size));
  // Pipelined requests on one kept-alive connection, as a client may send.
  for (int i = 0; i < 8 && !strm.drained(); ++i) {
    bool client_closes = false;
    if (!engine().serve(strm, false, client_closes) || client_closes) break;
  }
  return 0;
}
