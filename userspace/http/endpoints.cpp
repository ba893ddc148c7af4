#include "http/endpoints.h"

#include <algorithm>

#include "http/profile_query.h"

namespace profbufd::http {
namespace {

std::string one_line(std::string s) {
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return s + "\n";
}

}  // namespace

std::string_view endpoint_label(std::string_view path) {
  if (path.starts_with(kUiPrefix)) return kUiPrefix;
  for (std::string_view p : kEndpointPaths) {
    if (p == path) return p;
  }
  return kOtherEndpoint;
}

std::string index_page() {
  const std::string max_seconds = std::to_string(kMaxProfileSeconds.count());
  std::string t;
  t += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>profbufd</title></head>\n";
  t += "<body>\n<h1>profbufd</h1>\n<p>System-wide CPU profiler. Endpoints (GET only):</p>\n<ul>\n";
  t += "<li><a href=\"/metrics\">/metrics</a>: Prometheus metrics of the profiler.</li>\n";
  t += "<li><a href=\"/debug/pprof/profile?seconds=" + std::to_string(kDefaultProfileSeconds.count()) +
       "\">/debug/pprof/profile?seconds=N</a>: CPU profile of every process for the next N "
       "seconds (default " +
       std::to_string(kDefaultProfileSeconds.count()) + ", 1 to " + max_seconds +
       "), gzipped pprof as Go's net/http/pprof serves it; optional pid=P, cgroup=PATH, "
       "container=ID (each repeatable) and format=pprof|json|folded; at most " +
       std::to_string(kMaxConcurrentProfiles) + " at once, then 503.</li>\n";
  t += "<li><a href=\"/debug/pprof/\">/debug/pprof/</a>: the profiles at Go's paths, and "
       "which of them this daemon runs.</li>\n";
  t += "<li><a href=\"/debug/pprof/block?seconds=" +
       std::to_string(kDefaultProfileSeconds.count()) +
       "\">/debug/pprof/block?seconds=N</a>: off-CPU time (threads blocked, as Go's block "
       "profile: contentions and delay) of every process for the next N seconds, with the "
       "same parameters; 501 when this kernel cannot trace it.</li>\n";
  t += "<li><a href=\"/debug/pprof/threadcreate?seconds=" +
       std::to_string(kDefaultProfileSeconds.count()) +
       "\">/debug/pprof/threadcreate?seconds=N</a>: threads and processes created in the next "
       "N seconds, with the creator's stack (as Go's threadcreate profile), with the same "
       "parameters; 501 when this kernel cannot trace it.</li>\n";
  t += "<li><a href=\"/debug/pprof/mutex?seconds=" +
       std::to_string(kDefaultProfileSeconds.count()) +
       "\">/debug/pprof/mutex?seconds=N</a>: lock contention (futex waits with the waiter's "
       "stack, as Go's mutex profile: contentions and delay) of the next N seconds, with the "
       "same parameters; 501 when this kernel cannot trace it.</li>\n";
  t += "<li><a href=\"/debug/pprof/goroutine?debug=1\">/debug/pprof/goroutine</a>: every "
       "thread at this instant with its kernel and user stacks and state=R|S|D|... (as Go's "
       "goroutine profile, threads for goroutines); pid=, cgroup=, container= and format= as "
       "above, debug=1 for text; 501 when this kernel cannot iterate tasks.</li>\n";
  t += "<li>/debug/pprof/allocs?pid=P&amp;seconds=N: sampled allocations (malloc, calloc, "
       "realloc, as Go's allocs profile: alloc_objects and alloc_space, scaled, and inuse_objects "
       "and inuse_space: those not freed by the end) of process P in the next N seconds; its "
       "uprobes are attached for the request only; 400 without pid=, 404 for a process that "
       "does not exist, 501 when it cannot be probed.</li>\n";
  t += "<li>/debug/pprof/heap?pid=P&amp;seconds=N: the same profile with inuse_space as its "
       "default sample type, as Go's heap profile.</li>\n";
  t += "<li><a href=\"/healthz\">/healthz</a>: 200 while sampling runs, 503 otherwise.</li>\n";
  t += "<li><a href=\"/\">/</a>: the flame graph page of the most recent window.</li>\n";
  t += "<li>/api/kinds, /api/about, /api/profiles, /api/flamegraph, /api/profile, "
       "/api/collect: the JSON the page reads (see the README).</li>\n";
  t += "<li><a href=\"/endpoints\">/endpoints</a>: this list.</li>\n";
  t += "</ul>\n</body></html>\n";
  return t;
}

std::string error_body(const Error& e) { return one_line(e.line()); }

std::string error_body(std::string_view reason) {
  return one_line("profbufd: " + std::string(reason));
}

}  // namespace profbufd::http
