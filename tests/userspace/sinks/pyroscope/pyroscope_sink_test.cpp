// The push sender against a scripted transport: what it sends where, how it
// retries, falls back, drops and flushes. No network, no real time beyond
// millisecond backoffs.
#include "sinks/pyroscope/pyroscope_sink.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "../../encode/test_profile.h"
#include "push.pb.h"
#include "sinks/pyroscope/push_request.h"

namespace profbufd::pyroscope {
namespace {

using namespace std::chrono_literals;

// Answers each post with the next scripted result (200 once the script ends),
// and records every request. `hold` makes posts wait until released.
class FakeTransport final : public Transport {
 public:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<PostResult> script;
    std::vector<PostRequest> posts;
    bool hold = false, aborted = false;
  };
  explicit FakeTransport(std::shared_ptr<State> s) : s_(std::move(s)) {}
  PostResult post(const PostRequest& r) override {
    std::unique_lock lock(s_->mu);
    s_->posts.push_back(r);
    s_->cv.notify_all();
    s_->cv.wait(lock, [&] { return !s_->hold || s_->aborted; });
    if (s_->aborted) return PostResult{0, "aborted at shutdown", false, {}};
    if (s_->script.empty()) return PostResult{200, {}, false, {}};
    PostResult out = s_->script.front();
    s_->script.pop_front();
    return out;
  }
  void abort() override {
    std::lock_guard lock(s_->mu);
    s_->aborted = true;
    s_->cv.notify_all();
  }

 private:
  std::shared_ptr<State> s_;
};

PushOptions fast_options() {
  PushOptions o;
  o.url = "http://push.test";
  o.base_backoff = 1ms;
  o.max_backoff = 4ms;
  o.flush_timeout = 2s;
  o.headers = {{"X-Scope-OrgID", "tenant-1"}};
  return o;
}

struct Rig {
  std::shared_ptr<FakeTransport::State> state = std::make_shared<FakeTransport::State>();
  std::unique_ptr<PyroscopeSink> sink;
  explicit Rig(PushOptions o = fast_options()) {
    sink = std::make_unique<PyroscopeSink>(std::move(o), std::make_unique<FakeTransport>(state));
  }
  void send() {
    sink->on_profile(std::make_shared<const Profile>(testing::sample_profile()));
  }
  std::vector<PostRequest> posts() {
    std::lock_guard lock(state->mu);
    return state->posts;
  }
  void wait_posts(std::size_t n) {
    std::unique_lock lock(state->mu);
    state->cv.wait(lock, [&] { return state->posts.size() >= n; });
  }
};

PostResult status(int code) { return PostResult{code, {}, false, {}}; }

TEST(PyroscopeSink, PostsAConnectPushRequestWithTheHeaders) {
  Rig rig;
  rig.send();
  rig.sink->finish();
  const auto posts = rig.posts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].url, "http://push.test/push.v1.PusherService/Push");
  EXPECT_EQ(posts[0].content_type, "application/proto");
  push::v1::PushRequest req;
  ASSERT_TRUE(req.ParseFromString(posts[0].body));
  EXPECT_EQ(req.series_size(), 1);
  bool tenant = false;
  for (const auto& [k, v] : posts[0].headers) tenant |= k == "X-Scope-OrgID" && v == "tenant-1";
  EXPECT_TRUE(tenant);
  const PushStats st = rig.sink->stats();
  EXPECT_EQ(st.windows_sent, 1u);
  EXPECT_EQ(st.requests.at("200"), 1u);
  EXPECT_EQ(st.bytes, posts[0].body.size());
  EXPECT_EQ(st.queue_bytes, 0u);
}

TEST(PyroscopeSink, A404OnConnectSwitchesToIngestForGood) {
  Rig rig;
  rig.state->script = {status(404)};
  rig.send();
  rig.send();
  rig.sink->finish();
  const auto posts = rig.posts();
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_NE(posts[0].url.find("/push.v1.PusherService/Push"), std::string::npos);
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(posts[i].url.rfind("http://push.test/ingest?name=testhost%7Bhostname%3Dtesthost%7D&from=", 0), 0u)
        << posts[i].url;
    EXPECT_NE(posts[i].url.find("&format=pprof"), std::string::npos);
    EXPECT_NE(posts[i].url.find("&sampleRate=100"), std::string::npos);
    EXPECT_EQ(posts[i].content_type.rfind("multipart/form-data; boundary=", 0), 0u);
  }
  EXPECT_TRUE(rig.sink->stats().legacy_ingest);
  EXPECT_EQ(rig.sink->stats().windows_sent, 2u);
}

TEST(PyroscopeSink, ServerErrorsAndTimeoutsAreRetriedUntilTheyPass) {
  Rig rig;
  rig.state->script = {status(500), PostResult{0, "Timeout was reached", true, {}}, status(503),
                       status(429)};
  rig.send();
  rig.sink->finish();
  EXPECT_EQ(rig.posts().size(), 5u);
  const PushStats st = rig.sink->stats();
  EXPECT_EQ(st.windows_sent, 1u);
  EXPECT_EQ(st.requests.at("500"), 1u);
  EXPECT_EQ(st.requests.at("error"), 1u);
  EXPECT_EQ(st.requests.at("200"), 1u);
  EXPECT_TRUE(st.dropped.empty());
}

TEST(PyroscopeSink, GivesUpAfterMaxAttemptsAndRejectionsAreNotRetried) {
  PushOptions o = fast_options();
  o.max_attempts = 3;
  Rig rig(o);
  rig.state->script = {status(500), status(500), status(500), status(401)};
  rig.send();
  rig.send();
  rig.sink->finish();
  EXPECT_EQ(rig.posts().size(), 4u);
  const PushStats st = rig.sink->stats();
  EXPECT_EQ(st.dropped.at("retries_exhausted"), 1u);
  EXPECT_EQ(st.dropped.at("rejected"), 1u);
  EXPECT_EQ(st.windows_sent, 0u);
}

TEST(PyroscopeSink, AFullQueueDropsTheOldestAndKeepsItsBound) {
  PushOptions o = fast_options();
  o.queue_bytes = 1;  // one window at a time
  o.flush_timeout = 100ms;
  Rig rig(o);
  rig.state->hold = true;  // the server stalls
  rig.send();
  rig.wait_posts(1);  // the first window is in flight
  for (int i = 0; i < 5; ++i) rig.send();
  PushStats st = rig.sink->stats();
  EXPECT_EQ(st.dropped.at("queue_full"), 4u) << "the newest is kept";
  rig.sink->finish();  // the stalled request is aborted at the flush deadline
  st = rig.sink->stats();
  EXPECT_EQ(st.queue_bytes, 0u);
  EXPECT_GE(st.dropped.at("shutdown"), 1u);
  EXPECT_EQ(st.windows_sent, 0u);
}

TEST(PyroscopeSink, FinishFlushesWhatIsQueued) {
  Rig rig;
  rig.state->hold = true;
  for (int i = 0; i < 3; ++i) rig.send();
  {
    std::lock_guard lock(rig.state->mu);
    rig.state->hold = false;
    rig.state->cv.notify_all();
  }
  rig.sink->finish();
  EXPECT_EQ(rig.sink->stats().windows_sent, 3u);
  rig.send();  // after finish: ignored
  EXPECT_EQ(rig.sink->stats().windows_sent, 3u);
}

}  // namespace
}  // namespace profbufd::pyroscope
