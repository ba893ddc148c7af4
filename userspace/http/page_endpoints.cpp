#include "http/page_endpoints.h"

#include "http/cpp_httplib.h"

#include <string>

#include "common/log.h"
#include "encode/flame_graph.h"
#include "encode/json_text.h"
#include "encode/json_writer.h"
#include "encode/render.h"
#include "encode/time_format.h"
#include "http/admission.h"
#include "http/endpoints.h"
#include "http/page_query.h"
#include "http/web_assets.h"
#include "model/label_filter.h"

#ifndef PROFBUFD_VERSION
#define PROFBUFD_VERSION "unknown"
#endif

namespace profbufd::http {
namespace {

using json_text::append_number;
using json_text::append_string;

constexpr const char* kJson = "application/json";

void reply_error(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "text/plain; charset=utf-8");
}

// The JSON endpoints answer what is true now: never cached.
void reply_json(httplib::Response& res, std::string body) {
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(body), kJson);
}

// The profile a query names: ?id=, or the newest of ?kind= (default: the
// first kind). Null with the response filled in when there is none.
ProfileStore::Stored select(const ProfileStore& store, const PageQuery& q, httplib::Response& res) {
  ProfileStore::Stored s;
  if (q.id) {
    s = store.find(*q.id);
    if (!s.profile)
      reply_error(res, 404,
                  error_body("profile " + std::to_string(*q.id) +
                             " is no longer held (the store keeps the newest few; see "
                             "/api/profiles)"));
    return s;
  }
  const std::string kind = q.kind.empty() ? store.kinds().front().name : q.kind;
  s = store.latest(kind);
  if (!s.profile)
    reply_error(res, 404,
                error_body("no closed " + kind +
                           " window yet (the first one closes after the interval; or collect one)"));
  return s;
}

// The sample type a query shows: ?type=, else the profile's default.
bool value_index(const Profile& p, const PageQuery& q, std::size_t& out, httplib::Response& res) {
  const std::string& type = q.type.empty() ? p.default_sample_type : q.type;
  out = type.empty() ? 0 : p.sample_index(type);
  if (out < p.sample_types.size()) return true;
  reply_error(res, 400, error_body("type=" + type + ": not a sample type of this profile"));
  return false;
}

bool known_kind(const ProfileStore& store, const std::string& kind) {
  for (const auto& k : store.kinds())
    if (k.name == kind) return true;
  return false;
}

}  // namespace

PageEndpoints::PageEndpoints(ProfileStore& store, Collections& collections,
                             ProfileSource& source)
    : store_(store), collections_(collections), source_(source) {}

void PageEndpoints::route(httplib::Server& s) {
  s.Get("/", [this](const auto& req, auto& res) { serve_asset(req, res); });
  s.Get(std::string(kUiPrefix) + ".*", [this](const auto& req, auto& res) { serve_asset(req, res); });
  s.Get(std::string(kApiKindsPath), [this](const auto&, auto& res) { serve_kinds(res); });
  s.Get(std::string(kApiAboutPath), [this](const auto&, auto& res) { serve_about(res); });
  s.Get(std::string(kApiProfilesPath),
        [this](const auto& req, auto& res) { serve_profiles(req, res); });
  s.Get(std::string(kApiFlameGraphPath),
        [this](const auto& req, auto& res) { serve_flame_graph(req, res); });
  s.Get(std::string(kApiProfilePath),
        [this](const auto& req, auto& res) { serve_download(req, res); });
  s.Get(std::string(kApiCollectPath),
        [this](const auto& req, auto& res) { serve_collect(req, res); });
}

void PageEndpoints::serve_asset(const httplib::Request& req, httplib::Response& res) const {
  for (const WebAsset& a : web_assets()) {
    if (a.path != req.path) continue;
    // Embedded in this binary: the same URL may change with an upgrade.
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::string(a.body), std::string(a.content_type));
    return;
  }
  reply_error(res, 404, error_body("no such file (GET / is the page)"));
}

void PageEndpoints::serve_kinds(httplib::Response& res) const {
  std::string out = "{\"kinds\":[";
  bool first = true;
  for (const auto& k : store_.kinds()) {
    out += first ? "{\"name\":" : ",{\"name\":";
    first = false;
    append_string(out, k.name);
    out += ",\"sample_types\":";
    append_sample_types_json(out, k.sample_types);
    out += ",\"default_sample_type\":";
    append_string(out, k.default_sample_type);
    out += "}";
  }
  reply_json(res, out + "]}");
}

void PageEndpoints::serve_about(httplib::Response& res) const {
  std::string out = "{\"version\":";
  append_string(out, PROFBUFD_VERSION);
  out += ",\"components\":[";
  bool first = true;
  for (const VendoredPackage& p : vendored_packages()) {
    out += first ? "{\"name\":" : ",{\"name\":";
    first = false;
    append_string(out, p.name);
    out += ",\"version\":";
    append_string(out, p.version);
    out += ",\"licence\":";
    append_string(out, p.licence);
    out += ",\"integrity\":";
    append_string(out, p.integrity);
    out += ",\"licence_url\":";
    append_string(out, std::string(kUiPrefix) + "vendor/" + std::string(p.name) + "/LICENSE");
    out += "}";
  }
  reply_json(res, out + "]}");
}

void PageEndpoints::serve_profiles(const httplib::Request& req, httplib::Response& res) const {
  auto q = parse_page_query(req.params);
  if (!q) return reply_error(res, 400, error_body(q.error()));
  std::string out = "{\"profiles\":[";
  bool first = true;
  const auto all = store_.recent();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const Profile& p = *it->profile;
    if (!q->kind.empty() && p.metadata.kind != q->kind) continue;
    out += first ? "{\"id\":" : ",{\"id\":";
    first = false;
    append_number(out, it->id);
    out += ",\"kind\":";
    append_string(out, p.metadata.kind);
    out += ",\"start\":";
    append_string(out, format_rfc3339_utc(p.metadata.start_unix_ns));
    out += ",\"start_unix_ns\":";
    append_number(out, p.metadata.start_unix_ns);
    out += ",\"duration_ns\":";
    append_number(out, p.metadata.duration_ns);
    out += ",\"sample_types\":";
    append_sample_types_json(out, p.sample_types);
    out += ",\"totals\":[";
    for (std::size_t i = 0; i < p.sample_types.size(); ++i) {
      if (i) out += ",";
      append_number(out, p.total(i));
    }
    out += "]}";
  }
  reply_json(res, out + "]}");
}

void PageEndpoints::serve_flame_graph(const httplib::Request& req, httplib::Response& res) const {
  auto q = parse_page_query(req.params);
  if (!q) return reply_error(res, 400, error_body(q.error()));
  const ProfileStore::Stored s = select(store_, *q, res);
  if (!s.profile) return;
  FlameGraphRequest r;
  if (!value_index(*s.profile, *q, r.value_index, res)) return;
  r.id = s.id;
  r.top = q->top;
  if (q->filter.empty()) return reply_json(res, flame_graph_json(*s.profile, *s.profile, r));
  const Profile shown = filter_profile(*s.profile, q->filter);
  reply_json(res, flame_graph_json(shown, *s.profile, r));
}

void PageEndpoints::serve_download(const httplib::Request& req, httplib::Response& res) const {
  auto q = parse_page_query(req.params);
  if (!q) return reply_error(res, 400, error_body(q.error()));
  const ProfileStore::Stored s = select(store_, *q, res);
  if (!s.profile) return;
  auto bytes = q->filter.empty() ? render(*s.profile, q->format)
                                 : render(filter_profile(*s.profile, q->filter), q->format);
  if (!bytes) {
    log::error(bytes.error().line());
    return reply_error(res, 500, error_body(bytes.error()));
  }
  const std::string name = "profbufd-" + format_file_stamp_utc(s.profile->metadata.start_unix_ns) +
                           std::string(extension(q->format));
  res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
  res.set_header("Content-Type", std::string(content_type(q->format)));
  res.body = std::move(*bytes);
}

void PageEndpoints::serve_collect(const httplib::Request& req, httplib::Response& res) {
  auto q = parse_page_query(req.params);
  if (!q) return reply_error(res, 400, error_body(q.error()));
  ProfileSource::Request request;
  request.kind = q->kind.empty() ? store_.kinds().front().name : q->kind;
  if (!known_kind(store_, request.kind))
    return reply_error(res, 400, error_body("kind=" + request.kind + ": not captured (GET /api/kinds)"));
  request.duration = q->seconds;
  // Held until the window ends: a kind linked on demand (block) runs only then.
  const std::optional<Hold> hold = admit(source_, request, res);
  if (!hold) return;
  Collections::Outcome outcome = collections_.collect(request);
  if (outcome.failure != Collections::Failure::kNone)
    return reply_error(res, 503, error_body(outcome.error));
  std::string out = "{\"id\":";
  append_number(out, store_.keep(outcome.profile));
  reply_json(res, out + "}");
}

}  // namespace profbufd::http
