// The web page and the JSON endpoints that feed it:
//
//   GET /                   the flame graph page (http/web/page/index.html)
//   GET /ui/...             its script and style, the vendored flame graph
//                           component and its licence (http/web_assets.h)
//   GET /api/kinds          the kinds being captured and their sample types
//   GET /api/about          profbufd's version and the vendored components
//   GET /api/profiles       the stored windows, newest first (?kind=)
//   GET /api/flamegraph     one stored window as a call tree, top functions,
//                           totals and label values (encode/flame_graph.h)
//   GET /api/profile        the same window, filtered alike, as a download
//   GET /api/collect        collects a fresh window of ?seconds=N, keeps it in
//                           the store and answers its id
//
// Queries: http/page_query.h. Every page response carries the server's
// Content-Security-Policy (server.h): the page runs only its own scripts
// from /ui/, and names from profiles reach the DOM as text only.
#pragma once

#include "http/collections.h"
#include "http/endpoints.h"
#include "http/profile_store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace profbufd::http {

// The paths (kUiPrefix, kApi*Path) are in http/endpoints.h, with the others.
class PageEndpoints {
 public:
  // All must outlive this object; `collections` bounds and cancels the
  // windows /api/collect opens, shared with /debug/pprof/profile, and
  // `source` (the one `collections` collects from) admits them
  // (http/admission.h).
  PageEndpoints(ProfileStore& store, Collections& collections, ProfileSource& source);

  // Adds the GET handlers above (the page itself at "/").
  void route(httplib::Server& server);

 private:
  void serve_asset(const httplib::Request& req, httplib::Response& res) const;
  void serve_kinds(httplib::Response& res) const;
  void serve_about(httplib::Response& res) const;
  void serve_profiles(const httplib::Request& req, httplib::Response& res) const;
  void serve_flame_graph(const httplib::Request& req, httplib::Response& res) const;
  void serve_download(const httplib::Request& req, httplib::Response& res) const;
  void serve_collect(const httplib::Request& req, httplib::Response& res);

  ProfileStore& store_;
  Collections& collections_;
  ProfileSource& source_;
};

}  // namespace profbufd::http
