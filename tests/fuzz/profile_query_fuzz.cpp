// The queries clients send: /debug/pprof/profile?seconds=&pid=&cgroup=&
// container=&format= (http/profile_query.h) and the page's /api/ queries
// (http/page_query.h), as the decoded name -> value map cpp-httplib hands
// them. Input: "name=value" pairs separated by '&', not percent-decoded (the
// full request path, http_request_fuzz.cpp, covers decoding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "fuzz_input.h"
#include "http/page_query.h"
#include "http/profile_query.h"

using namespace profbufd::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::multimap<std::string, std::string> params;
  for (const std::string_view pair : profbufd::fuzz::split(profbufd::fuzz::text_of(data, size), '&')) {
    const std::size_t eq = pair.find('=');
    params.emplace(std::string(pair.substr(0, eq)),
                   eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
  }
  const auto profile = parse_profile_query(params);
  if (profile) {
    if (profile->duration.count() < 1 || profile->duration > kMaxProfileSeconds) std::abort();
    if (profile->pids.size() > kMaxQueryPids) std::abort();
    if (profile->cgroups.size() > kMaxQuerySelectors) std::abort();
    if (profile->containers.size() > kMaxQuerySelectors) std::abort();
  } else {
    (void)profile.error().line();
  }
  const auto page = parse_page_query(params);
  if (page && (page->top < 1 || page->top > kMaxTop)) std::abort();
  if (!page) (void)page.error().line();
  return 0;
}
