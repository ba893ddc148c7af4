// LateKinds: the kinds loaded after sampling starts, with attach functions
// that stand in for the BPF loads (the e2e tests load the real ones).
#include "app/late_kinds.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "kinds/block/block_kind.h"
#include "kinds/mutex/mutex_kind.h"

namespace profbufd {
namespace {

using namespace std::chrono_literals;
using Attached = Result<std::unique_ptr<capture::Attachment>>;

// Counts its detach() calls, so a test sees which attachment reached the capture.
Attached counted(std::atomic<int>& detached) {
  return capture::on_detach([&detached] { ++detached; });
}

// Links held on demand by a kind's attach: not running until held.
class Links final : public HoldSource {
 public:
  Hold acquire() override { return Hold::held(std::make_shared<int>(1)); }
  bool active() const override { return false; }
};

class LateKindsTest : public ::testing::Test {
 protected:
  kinds::block::BlockKind block_{kinds::block::BlockConfig{}};
  kinds::mutex::MutexKind mutex_{kinds::mutex::MutexConfig{}};
  std::mutex mu_;
  std::vector<std::unique_ptr<capture::Attachment>> added_;  // guarded by mu_

  LateKinds::Add add() {
    return [this](std::unique_ptr<capture::Attachment> a) {
      std::lock_guard lock(mu_);
      added_.push_back(std::move(a));
    };
  }
  std::size_t added() {
    std::lock_guard lock(mu_);
    return added_.size();
  }
};

TEST_F(LateKindsTest, KindsReadAsLoadingUntilStarted) {
  std::atomic<int> calls{0};
  LateKinds late({{&block_, [&]() -> Attached { ++calls; return make_error(ExitCode::kBpfLoad, "x", "y"); }}},
                 add());
  const auto why = late.unavailable("block");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->code, ExitCode::kRuntime);
  EXPECT_EQ(why->line(),
            "profbufd: the block profile: its BPF programs are still loading (sampling started "
            "moments ago) (retry in a few seconds)");
  EXPECT_EQ(block_.running(), std::optional<bool>(false)) << "not running while it loads";
  EXPECT_EQ(block_.hold({}, "").refusal, Hold::Refusal::kUnsupported);
  const auto t0 = std::chrono::steady_clock::now();
  late.await("block", 50ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 50ms) << "waited its timeout";
  EXPECT_FALSE(late.settled());
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(late.unavailable("cpu")) << "a kind not loaded late is never refused here";
}

TEST_F(LateKindsTest, LoadsOnItsOwnThreadInOrderAndHandsEachAttachmentOver) {
  std::atomic<int> detached{0};
  std::vector<std::string> order;
  std::thread::id loader;
  auto attach = [&](const char* name) {
    return [&, name]() -> Attached {
      order.push_back(name);
      loader = std::this_thread::get_id();
      return counted(detached);
    };
  };
  LateKinds late({{&block_, attach("block")}, {&mutex_, attach("mutex")}}, add());
  late.start();
  late.await("mutex", 10s);
  EXPECT_FALSE(late.unavailable("mutex"));
  late.await("block", 10s);
  EXPECT_FALSE(late.unavailable("block"));
  EXPECT_TRUE(late.settled());
  late.stop();
  EXPECT_EQ(order, (std::vector<std::string>{"block", "mutex"}));
  EXPECT_NE(loader, std::this_thread::get_id());
  ASSERT_EQ(added(), 2u);
  EXPECT_EQ(block_.running(), std::optional<bool>(true)) << "its stand-in links are gone";
  EXPECT_EQ(block_.hold({}, "").refusal, Hold::Refusal::kNone);
}

// A kind's attach that links on demand (kinds/link_kind.h) replaces the
// stand-in, which must then stay replaced.
TEST_F(LateKindsTest, LinksTheAttachSetAreKept) {
  auto links = std::make_shared<Links>();
  LateKinds late({{&block_, [&]() -> Attached {
                     block_.link_on_demand(links);
                     return capture::on_detach([] {});
                   }}},
                 add());
  late.start();
  late.await("block", 10s);
  EXPECT_FALSE(late.unavailable("block"));
  EXPECT_EQ(block_.running(), std::optional<bool>(false));
  const Hold h = block_.hold({}, "");
  EXPECT_EQ(h.refusal, Hold::Refusal::kNone);
  EXPECT_TRUE(h.keep) << "held through the kind's own links";
}

TEST_F(LateKindsTest, AFailedKindIsUnavailableWithItsErrorAndTheOthersStillLoad) {
  std::atomic<int> detached{0};
  LateKinds late(
      {{&block_, []() -> Attached {
          return make_error(ExitCode::kBpfLoad, "attaching on_switch_in", "No such process");
        }},
       {&mutex_, [&]() -> Attached { return counted(detached); }}},
      add());
  late.start();
  late.await("mutex", 10s);
  late.await("block", 10s);
  const auto why = late.unavailable("block");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->code, ExitCode::kBpfLoad);
  EXPECT_EQ(why->line(), "profbufd: attaching on_switch_in: No such process");
  EXPECT_FALSE(late.unavailable("mutex"));
  EXPECT_EQ(block_.running(), std::optional<bool>(false));
  EXPECT_EQ(added(), 1u);
  metrics::MetricWriter w;
  late.write_metrics(w);
  const std::string text = w.text();
  EXPECT_NE(text.find("profbufd_kind_state{kind=\"block\",state=\"unavailable\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("profbufd_kind_state{kind=\"block\",state=\"ready\"} 0"), std::string::npos);
  EXPECT_NE(text.find("profbufd_kind_state{kind=\"mutex\",state=\"ready\"} 1"), std::string::npos);
  EXPECT_NE(text.find("profbufd_kind_state{kind=\"mutex\",state=\"loading\"} 0"),
            std::string::npos);
}

// stop() wakes waiting requests at once, lets the load under way finish, and
// loads nothing after it.
TEST_F(LateKindsTest, StopWakesWaitersAndLoadsNothingMore) {
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> mutex_calls{0};
  std::atomic<int> detached{0};
  LateKinds late({{&block_, [&]() -> Attached {
                     entered.set_value();
                     released.wait();
                     return counted(detached);
                   }},
                  {&mutex_, [&]() -> Attached { ++mutex_calls; return counted(detached); }}},
                 add());
  late.start();
  entered.get_future().wait();
  auto waiter = std::async(std::launch::async, [&] { late.await("mutex", 60s); });
  auto stopper = std::async(std::launch::async, [&] { late.stop(); });
  EXPECT_EQ(waiter.wait_for(10s), std::future_status::ready) << "woken by stop(), not its timeout";
  release.set_value();
  stopper.get();
  EXPECT_EQ(mutex_calls, 0);
  EXPECT_FALSE(late.unavailable("block")) << "the load under way finished";
  EXPECT_EQ(added(), 1u);
  const auto why = late.unavailable("mutex");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->code, ExitCode::kRuntime);
  EXPECT_EQ(why->why, "sampling stopped before its BPF programs loaded");
}

}  // namespace
}  // namespace profbufd
