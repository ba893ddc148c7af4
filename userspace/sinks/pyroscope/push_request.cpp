#include "sinks/pyroscope/push_request.h"

#include "encode/protobuf.h"

namespace profbufd::pyroscope {
namespace {

// RFC 3986 unreserved characters stay; everything else is %XX.
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string encode_push_request(const std::vector<Series>& series) {
  proto::Encoder e;
  for (const Series& s : series) {
    const auto raw_series = e.start_message();
    for (const auto& [name, value] : s.labels) {
      const auto pair = e.start_message();
      e.bytes(1, name);
      e.bytes(2, value);
      e.end_message(1, pair);  // RawProfileSeries.labels
    }
    const auto sample = e.start_message();
    e.bytes(1, s.pprof);        // RawSample.raw_profile
    e.end_message(2, sample);   // RawProfileSeries.samples
    e.end_message(1, raw_series);  // PushRequest.series
  }
  return e.take();
}

std::string ingest_name(const Labels& labels) {
  std::string service, rest;
  for (const auto& [k, v] : labels) {
    if (k == "service_name") {
      service = v;
    } else if (k != "__name__" && k != "__delta__") {
      rest += (rest.empty() ? "" : ",") + k + "=" + v;
    }
  }
  return rest.empty() ? service : service + "{" + rest + "}";
}

std::string ingest_query(const Labels& labels, std::int64_t from_s, std::int64_t until_s,
                         std::int64_t sample_rate_hz) {
  std::string q = "?name=" + percent_encode(ingest_name(labels)) +
                  "&from=" + std::to_string(from_s) + "&until=" + std::to_string(until_s) +
                  "&format=pprof&spyName=profbufd";
  if (sample_rate_hz > 0) q += "&sampleRate=" + std::to_string(sample_rate_hz);
  return q;
}

Multipart ingest_body(std::string_view pprof) {
  std::string boundary = "profbufd-pprof-boundary";
  while (pprof.find(boundary) != std::string_view::npos) boundary += "-x";
  Multipart m;
  m.content_type = "multipart/form-data; boundary=" + boundary;
  m.body = "--" + boundary + "\r\n" +
           "Content-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\n" +
           "Content-Type: application/octet-stream\r\n\r\n";
  m.body.append(pprof);
  m.body += "\r\n--" + boundary + "--\r\n";
  return m;
}

}  // namespace profbufd::pyroscope
