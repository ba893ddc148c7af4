#include "http/endpoints.h"

#include <gtest/gtest.h>

#include <string>

namespace profbufd::http {
namespace {

TEST(HttpEndpoints, LabelsAreTheKnownPathsOrOther) {
  for (std::string_view p : kEndpointPaths) EXPECT_EQ(endpoint_label(p), p);
  for (const char* p : {"", "/metrics/", "/Metrics", "/debug/pprof", "/debug/pprof/profile/",
                        "/healthz?x", "//", "/favicon.ico"}) {
    EXPECT_EQ(endpoint_label(p), "other") << p;
  }
}

TEST(HttpEndpoints, IndexPageListsEachEndpointWithItsLimits) {
  const std::string page = index_page();
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  for (std::string_view p : {"href=\"/metrics\"", "href=\"/debug/pprof/profile?seconds=30\"",
                             "href=\"/healthz\"", "href=\"/\""}) {
    EXPECT_NE(page.find(p), std::string::npos) << p;
  }
  EXPECT_NE(page.find("default 30, 1 to 300"), std::string::npos);
  EXPECT_NE(page.find("at most 8 at once, then 503"), std::string::npos);
  EXPECT_NE(page.find("format=pprof|json|folded"), std::string::npos);
  EXPECT_EQ(page.back(), '\n');
}

TEST(HttpEndpoints, ErrorBodiesAreOneLine) {
  EXPECT_EQ(error_body("not sampling"), "profbufd: not sampling\n");
  EXPECT_EQ(error_body(make_error(ExitCode::kUsage, "seconds=0", "must be at least 1", "use 1")),
            "profbufd: seconds=0: must be at least 1 (use 1)\n");
  EXPECT_EQ(error_body(make_error(ExitCode::kRuntime, "a\nb", "c\r\nd")),
            "profbufd: a b: c  d\n");
}

}  // namespace
}  // namespace profbufd::http
