// What the push sink sends, decoded by the code protoc generates from
// Pyroscope's push messages (tests/proto/push.proto).
#include "sinks/pyroscope/push_request.h"

#include <gtest/gtest.h>

#include "../../encode/gunzip.h"
#include "../../encode/test_profile.h"
#include "model/labeler.h"
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

std::map<std::string, std::size_t> series_by_service(const Profile& p) {
  auto series = split_by_service(p);
  EXPECT_TRUE(series.ok());
  if (!series.ok()) return {};
  push::v1::PushRequest req;
  EXPECT_TRUE(req.ParseFromString(encode_push_request(*series)));
  std::map<std::string, std::size_t> out;
  for (const auto& s : req.series()) out[labels_of(s)["service_name"]] = s.samples(0).raw_profile().size();
  return out;
}

Label str_label(std::string_view key, std::string value) {
  return Label{std::string(key), std::move(value), 0, false};
}

// Labeled as model/labeler.h labels them (issue 13): the service is its
// service_name when it belongs to a unit or a container.
TEST(PushRequest, OneSeriesPerServiceAndTheRestOnTheHost) {
  Profile p = testing::sample_profile();
  const std::string id(64, 'a');
  // A process of a unit.
  p.samples[1].labels.push_back(str_label(kLabelSystemdUnit, "nginx.service"));
  p.samples[1].labels.push_back(str_label(kLabelServiceName, "nginx.service"));
  // A container's own scope names the container.
  p.samples[2].labels.push_back(str_label(kLabelContainerId, id));
  p.samples[2].labels.push_back(str_label(kLabelSystemdUnit, "docker-" + id + ".scope"));
  p.samples[2].labels.push_back(str_label(kLabelServiceName, id));
  // Neither: the labeler names it by its comm, the push by the host.
  p.samples[0].labels.push_back(str_label(kLabelServiceName, p.samples[0].comm));
  const auto by_service = series_by_service(p);
  EXPECT_EQ(by_service.size(), 3u);
  EXPECT_TRUE(by_service.count("nginx.service"));
  EXPECT_TRUE(by_service.count(id)) << "a container's own scope gives the container id";
  EXPECT_TRUE(by_service.count("testhost")) << "a comm is not a service";
  EXPECT_FALSE(by_service.count(p.samples[0].comm));
}

// Without the labeler's service_name (a profile labeled otherwise), the same
// rule: the unit, unless it is the container's own scope, else the container.
TEST(PushRequest, ServiceFromUnitAndContainerLabels) {
  Profile p = testing::sample_profile();
  const std::string id(64, 'b');
  p.samples[0].labels.push_back(str_label(kLabelSystemdUnit, "cron.service"));
  p.samples[1].labels.push_back(str_label(kLabelContainerId, id));  // cgroupfs: no unit
  p.samples[1].labels.push_back(str_label(kLabelPodUid, "dde1244b"));
  p.samples[2].labels.push_back(str_label(kLabelContainerId, id));
  p.samples[2].labels.push_back(str_label(kLabelSystemdUnit, "libpod-" + id + ".scope"));
  const auto by_service = series_by_service(p);
  EXPECT_TRUE(by_service.count("cron.service"));
  EXPECT_TRUE(by_service.count(id));
  EXPECT_FALSE(by_service.count("libpod-" + id + ".scope"));
  EXPECT_TRUE(by_service.count("testhost"));
  EXPECT_EQ(by_service.size(), 3u);
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
