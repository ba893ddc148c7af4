// The two ways to hand series to Pyroscope.
//
// Connect (current): POST /push.v1.PusherService/Push, a Connect unary call
// with Content-Type application/proto; the body is a push.v1.PushRequest as
// Pyroscope's api/push/v1/push.proto defines it:
//
//   message PushRequest      { repeated RawProfileSeries series = 1; }
//   message RawProfileSeries { repeated types.v1.LabelPair labels = 1;
//                              repeated RawSample samples = 2; }
//   message RawSample        { bytes raw_profile = 1; string ID = 2; }
//   message LabelPair        { string name = 1; string value = 2; }   (types.v1)
//
// Legacy (Pyroscope before 1.0, and servers that answer 404 to the Connect
// path): POST /ingest?name=...&from=...&until=...&format=pprof, one request
// per series, the pprof as the "profile" part of a multipart/form-data body
// as Pyroscope's own Go client sends it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/pyroscope/series.h"

namespace profbufd::pyroscope {

inline constexpr std::string_view kPushPath = "/push.v1.PusherService/Push";
inline constexpr std::string_view kIngestPath = "/ingest";

// One RawSample per series, without an ID (Pyroscope assigns one).
std::string encode_push_request(const std::vector<Series>& series);

// The legacy application name with labels: service_name{k=v,...} for every
// label but service_name, __name__ and __delta__ (the profile's sample types
// name it in Pyroscope).
std::string ingest_name(const Labels& labels);

// "?name=...&from=...&until=...&format=pprof&spyName=profbufd[&sampleRate=N]",
// percent-encoded; from/until in Unix seconds.
std::string ingest_query(const Labels& labels, std::int64_t from_s, std::int64_t until_s,
                         std::int64_t sample_rate_hz);

struct Multipart {
  std::string content_type;  // multipart/form-data; boundary=...
  std::string body;
};
// `pprof` as the "profile" file part. The boundary is chosen not to occur in it.
Multipart ingest_body(std::string_view pprof);

}  // namespace profbufd::pyroscope
