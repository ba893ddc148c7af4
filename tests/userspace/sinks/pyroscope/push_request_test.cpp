// What the push sink sends, decoded by the code protoc generates from
// Pyroscope's push messages (tests/proto/push.proto).
#include "sinks/pyroscope/push_request.h"

#include <gtest/gtest.h>

#include "../../encode/gunzip.h"
#include "../../encode/test_profile.h"
#include "push.pb.h"
#include "sinks/pyroscope/series.h"

namespace profbufd::pyroscope {
namespace {

std::map<std::string, std::string> labels_of(const push::v1::RawProfileSeries& s) {
  std::map<std::string, std::string> m;
  for (const auto& l : s.labels()) m[l.name()] = l.value();
  return m;
}

TEST(PushRequest, DecodesAsPyroscopesPushRequest) {
  const Profile p = testing::sample_profile();
  auto series = split_by_service(p);
  ASSERT_TRUE(series.ok()) << series.error().line();
  ASSERT_EQ(series->size(), 1u);
  push::v1::PushRequest req;
  ASSERT_TRUE(req.ParseFromString(encode_push_request(*series)));
  ASSERT_EQ(req.series_size(), 1);
  const auto labels = labels_of(req.series(0));
  EXPECT_EQ(labels, (std::map<std::string, std::string>{{"__delta__", "false"},
                                                         {"__name__", "process_cpu"},
                                                         {"hostname", "testhost"},
                                                         {"service_name", "testhost"}}));
  // Sorted by name on the wire, as Pyroscope validates them.
  for (int i = 1; i < req.series(0).labels_size(); ++i)
    EXPECT_LT(req.series(0).labels(i - 1).name(), req.series(0).labels(i).name());
  ASSERT_EQ(req.series(0).samples_size(), 1);
  const std::string& raw = req.series(0).samples(0).raw_profile();
  EXPECT_EQ(raw, (*series)[0].pprof);
  EXPECT_FALSE(testing::gunzip(raw).empty()) << "raw_profile is the gzip pprof";
}

TEST(PushRequest, OneSeriesPerServiceAndTheRestOnTheHost) {
  Profile p = testing::sample_profile();
  p.samples[1].labels.push_back(Label{"systemd_unit", "nginx.service", 0, false});
  p.samples[2].labels.push_back(Label{"container_id", "abc123", 0, false});
  p.samples[2].labels.push_back(Label{"systemd_unit", "docker.service", 0, false});
  auto series = split_by_service(p);
  ASSERT_TRUE(series.ok());
  push::v1::PushRequest req;
  ASSERT_TRUE(req.ParseFromString(encode_push_request(*series)));
  std::map<std::string, std::int64_t> samples_by_service;
  for (const auto& s : req.series()) {
    const std::string gz = s.samples(0).raw_profile();
    samples_by_service[labels_of(s)["service_name"]] = static_cast<std::int64_t>(gz.size());
  }
  EXPECT_EQ(samples_by_service.size(), 3u);
  EXPECT_TRUE(samples_by_service.count("nginx.service"));
  EXPECT_TRUE(samples_by_service.count("abc123")) << "container before unit";
  EXPECT_TRUE(samples_by_service.count("testhost"));
}

TEST(PushRequest, LegacyIngestQueryAndBody) {
  const Labels l{{"__delta__", "false"}, {"__name__", "process_cpu"}, {"hostname", "h 1"},
                 {"service_name", "web"}};
  EXPECT_EQ(ingest_name(l), "web{hostname=h 1}");
  EXPECT_EQ(ingest_query(l, 100, 110, 99),
            "?name=web%7Bhostname%3Dh%201%7D&from=100&until=110&format=pprof&spyName=profbufd"
            "&sampleRate=99");
  const Multipart m = ingest_body("PPROF");
  const std::string boundary = m.content_type.substr(m.content_type.find("boundary=") + 9);
  EXPECT_EQ(m.content_type.rfind("multipart/form-data; boundary=", 0), 0u);
  EXPECT_NE(m.body.find("name=\"profile\""), std::string::npos);
  EXPECT_NE(m.body.find("\r\n\r\nPPROF\r\n--" + boundary + "--\r\n"), std::string::npos);
  const std::string payload = "x--profbufd-pprof-boundary";
  const Multipart clash = ingest_body(payload);
  const std::string b2 = clash.content_type.substr(clash.content_type.find("boundary=") + 9);
  EXPECT_EQ(payload.find(b2), std::string::npos) << "the boundary never occurs in the profile";
}

}  // namespace
}  // namespace profbufd::pyroscope
