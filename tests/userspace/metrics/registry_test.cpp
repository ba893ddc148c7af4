#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace profbufd::metrics {
namespace {

TEST(MetricsRegistry, EmptyRegistryRendersEmptyPage) { EXPECT_EQ(Registry().render(), ""); }

TEST(MetricsRegistry, RendersOwnedAndCollectedFamiliesByName) {
  Registry r;
  auto& requests = r.counter("profbufd_http_requests_total",
                             "HTTP requests by endpoint and status code", {"endpoint", "code"});
  requests.labels({"/metrics", "200"}).inc();
  requests.labels({"/metrics", "200"}).inc();
  requests.labels({"/debug/pprof/profile", "400"}).inc();
  r.gauge("profbufd_http_inflight_requests", "Requests being served.").labels().set(1);
  std::uint64_t samples_cpu1 = 5;
  r.add_collector([&](MetricWriter& w) {
    w.counter("profbufd_samples_total", "Samples captured, by CPU.", {{"cpu", "1"}},
              samples_cpu1);
    w.counter("profbufd_samples_total", "Samples captured, by CPU.", {{"cpu", "0"}}, 9);
  });
  r.add_collector([](MetricWriter& w) {
    w.gauge("profbufd_build_info", "Build information.", {{"version", "0.1.0"}}, 1);
  });
  const std::string expected_head =
      "# HELP profbufd_build_info Build information.\n"
      "# TYPE profbufd_build_info gauge\n"
      "profbufd_build_info{version=\"0.1.0\"} 1\n"
      "# HELP profbufd_http_inflight_requests Requests being served.\n"
      "# TYPE profbufd_http_inflight_requests gauge\n"
      "profbufd_http_inflight_requests 1\n"
      "# HELP profbufd_http_requests_total HTTP requests by endpoint and status code\n"
      "# TYPE profbufd_http_requests_total counter\n"
      "profbufd_http_requests_total{endpoint=\"/debug/pprof/profile\",code=\"400\"} 1\n"
      "profbufd_http_requests_total{endpoint=\"/metrics\",code=\"200\"} 2\n"
      "# HELP profbufd_samples_total Samples captured, by CPU.\n"
      "# TYPE profbufd_samples_total counter\n"
      "profbufd_samples_total{cpu=\"0\"} 9\n";
  EXPECT_EQ(r.render(), expected_head + "profbufd_samples_total{cpu=\"1\"} 5\n");
  // Collectors run at every render and see current values.
  samples_cpu1 = 6;
  EXPECT_EQ(r.render(), expected_head + "profbufd_samples_total{cpu=\"1\"} 6\n");
}

TEST(MetricsRegistry, RedeclaringTheSameFamilyReturnsIt) {
  Registry r;
  auto& a = r.counter("x_total", "h", {"l"});
  auto& b = r.counter("x_total", "h", {"l"});
  EXPECT_EQ(&a, &b);
  a.labels({"v"}).inc();
  EXPECT_EQ(b.labels({"v"}).value(), 1u);
  EXPECT_EQ(&r.gauge("g", "h"), &r.gauge("g", "h"));
}

TEST(MetricsRegistry, RedeclaringDifferentlyThrows) {
  Registry r;
  r.counter("x_total", "h", {"l"});
  r.gauge("g", "h", {"l"});
  EXPECT_THROW(r.counter("x_total", "other", {"l"}), std::logic_error);
  EXPECT_THROW(r.counter("x_total", "h", {"m"}), std::logic_error);
  EXPECT_THROW(r.counter("x_total", "h"), std::logic_error);
  EXPECT_THROW(r.gauge("g", "h", {"l", "m"}), std::logic_error);
}

TEST(MetricsRegistry, BadNamesThrowInvalidArgumentAndRegisterNothing) {
  Registry r;
  EXPECT_THROW(r.counter("requests", "h"), std::invalid_argument);
  EXPECT_THROW(r.gauge("in-flight", "h"), std::invalid_argument);
  EXPECT_THROW(r.gauge("g", "h", {"__meta"}), std::invalid_argument);
  EXPECT_EQ(r.render(), "");
  EXPECT_NO_THROW(r.gauge("g", "h", {"ok"}));  // the failed "g" left no trace
}

TEST(MetricsRegistry, CollectorClashingWithAnOwnedFamilyThrows) {
  Registry r;
  r.counter("profbufd_http_requests_total", "h", {"endpoint", "code"});  // no series yet
  r.add_collector([](MetricWriter& w) {
    w.counter("profbufd_http_requests_total", "h", {{"endpoint", "/"}, {"code", "200"}}, 1);
  });
  EXPECT_THROW(r.render(), std::logic_error);
}

TEST(MetricsRegistry, TwoCollectorsMayShareAFamilyButNotASeries) {
  Registry r;
  r.add_collector([](MetricWriter& w) { w.gauge("g", "h", {{"k", "a"}}, 1); });
  const auto id = r.add_collector([](MetricWriter& w) { w.gauge("g", "h", {{"k", "b"}}, 2); });
  EXPECT_EQ(r.render(), "# HELP g h\n# TYPE g gauge\ng{k=\"a\"} 1\ng{k=\"b\"} 2\n");
  r.remove_collector(id);
  r.add_collector([](MetricWriter& w) { w.gauge("g", "h", {{"k", "a"}}, 3); });
  EXPECT_THROW(r.render(), std::logic_error);
}

TEST(MetricsRegistry, RemovedCollectorsNoLongerRun) {
  Registry r;
  int runs = 0;
  const auto id = r.add_collector([&](MetricWriter& w) {
    ++runs;
    w.gauge("g", "h", 1);
  });
  EXPECT_NE(r.render(), "");
  r.remove_collector(id);
  r.remove_collector(id);      // twice: ignored
  r.remove_collector(id + 7);  // unknown: ignored
  EXPECT_EQ(r.render(), "");
  EXPECT_EQ(runs, 1);
  EXPECT_THROW(r.add_collector(nullptr), std::invalid_argument);
}

TEST(MetricsRegistry, CollectorsRunInRegistrationOrder) {
  Registry r;
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) r.add_collector([&order, i](MetricWriter&) { order.push_back(i); });
  r.render();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(MetricsRegistry, ACollectorMayDeclareOwnedFamilies) {
  Registry r;
  r.add_collector([&r](MetricWriter& w) {
    r.counter("renders_total", "Renders.").labels().inc();
    w.gauge("g", "h", 1);
  });
  r.render();  // the family appears during the first render, after owned ones were taken
  EXPECT_EQ(r.render(),
            "# HELP g h\n# TYPE g gauge\ng 1\n"
            "# HELP renders_total Renders.\n# TYPE renders_total counter\nrenders_total 1\n");
}

// Run under TSan: HTTP threads count requests and render while the lead's
// collectors and new families come and go.
TEST(MetricsRegistry, ConcurrentUpdatesRendersAndCollectorChanges) {
  Registry r;
  auto& requests = r.counter("req_total", "h", {"endpoint", "code"});
  std::atomic<std::uint64_t> pipeline_samples{0};
  r.add_collector([&](MetricWriter& w) {
    // The other side of pipeline_samples is the writer thread below; relaxed on
    // both sides, since only the number itself is read.
    w.counter("samples_total", "h", pipeline_samples.load(std::memory_order_relaxed));
  });
  constexpr int kThreads = 3, kRequests = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        requests.labels({"/metrics", i % 2 ? "200" : "500"}).inc();
        pipeline_samples.fetch_add(1, std::memory_order_relaxed);
        if (i % 500 == 0) {
          EXPECT_NE(r.render().find("# TYPE req_total counter"), std::string::npos);
          r.gauge("thread_" + std::to_string(t), "h").labels().set(i);
        }
      }
    });
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) {
      const auto id = r.add_collector([](MetricWriter& w) { w.gauge("temp", "h", 1); });
      r.remove_collector(id);
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(requests.labels({"/metrics", "200"}).value() +
                requests.labels({"/metrics", "500"}).value(),
            std::uint64_t{kThreads} * kRequests);
  const std::string page = r.render();
  EXPECT_NE(page.find("samples_total " + std::to_string(kThreads * kRequests) + "\n"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("temp"), std::string::npos);
}

TEST(MetricsRegistry, RemoveWaitsForARunningCollector) {
  Registry r;
  std::atomic<bool> started{false}, finished{false};
  // started/finished: the collector (render thread) stores, this thread loads;
  // release/acquire so that seeing `finished` also means the body completed.
  const auto id = r.add_collector([&](MetricWriter&) {
    started.store(true, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    finished.store(true, std::memory_order_release);
  });
  std::thread render([&] { r.render(); });
  while (!started.load(std::memory_order_acquire)) std::this_thread::yield();
  r.remove_collector(id);
  EXPECT_TRUE(finished.load(std::memory_order_acquire));
  render.join();
}

}  // namespace
}  // namespace profbufd::metrics
