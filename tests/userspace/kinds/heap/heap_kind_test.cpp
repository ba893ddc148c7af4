#include "kinds/heap/heap_kind.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <memory>
#include <vector>

#include "profbufd.h"

namespace profbufd::kinds::heap {
namespace {

class FakeProber final : public HeapProber {
 public:
  Hold acquire(std::uint32_t pid, bool in_use) override {
    asked.push_back(pid);
    with_frees.push_back(in_use);
    if (pid == 404)
      return Hold::refused(Hold::Refusal::kNoProcess,
                           make_error(ExitCode::kUsage, "heap profile", "no such process"));
    return Hold::held(std::make_shared<int>(7));
  }
  profbufd_heap_counters counters() const override { return {}; }
  std::vector<profbufd_heap_live> live(std::uint32_t) const override { return {}; }
  std::vector<std::uint32_t> asked;
  std::vector<bool> with_frees;
};

TEST(HeapKind, ShapeIsGosAllocsProfile) {
  const HeapKind k(HeapConfig{.rate = 4096});
  const ProfileShape s = k.shape();
  EXPECT_EQ(s.sample_types, (std::vector<ValueType>{{"alloc_objects", "count"},
                                                    {"alloc_space", "bytes"},
                                                    {"inuse_objects", "count"},
                                                    {"inuse_space", "bytes"}}));
  EXPECT_EQ(s.default_sample_type, "alloc_space");
  EXPECT_EQ(s.period_type, (ValueType{"space", "bytes"}));
  EXPECT_EQ(s.period, 4096);
  EXPECT_EQ(k.name(), "heap");
  EXPECT_EQ(k.id(), PROFBUFD_KIND_HEAP);
  EXPECT_EQ(std::vector<Accumulate>(k.accumulators().begin(), k.accumulators().end()),
            (std::vector<Accumulate>{Accumulate::kRecords, Accumulate::kValue}));
}

TEST(HeapKind, ValuesAreScaledAndLostRecordsWeighOneRateEach) {
  const HeapKind k(HeapConfig{.rate = 4096});
  std::array<std::int64_t, 4> v{-1, -1, -1, -1};
  const std::uint64_t acc[] = {4, 4 * 4096};
  k.values(acc, v);
  const double scale = 1.0 / (1.0 - std::exp(-1.0));
  EXPECT_EQ(v[0], static_cast<std::int64_t>(4 * scale));
  EXPECT_EQ(v[1], static_cast<std::int64_t>(4 * 4096 * scale));
  EXPECT_EQ(v[2], 0) << "no books: nothing known in use";
  EXPECT_EQ(v[3], 0);
  k.lost_values(3, v);
  EXPECT_EQ(v, (std::array<std::int64_t, 4>{3, 3 * 4096, 0, 0}));
}

TEST(HeapKind, HoldNeedsExactlyOnePid) {
  const HeapKind k(HeapConfig{});
  auto prober = std::make_shared<FakeProber>();
  k.attached(prober);
  const Hold none = k.hold({}, "");
  EXPECT_EQ(none.refusal, Hold::Refusal::kBadRequest);
  EXPECT_NE(none.error.line().find("pid="), std::string::npos) << none.error.line();
  const std::uint32_t two[] = {1, 2};
  EXPECT_EQ(k.hold(two, "").refusal, Hold::Refusal::kBadRequest);
  EXPECT_TRUE(prober->asked.empty());
  const std::uint32_t one[] = {42};
  const Hold h = k.hold(one, "");
  EXPECT_EQ(h.refusal, Hold::Refusal::kNone);
  EXPECT_NE(h.keep, nullptr);
  const std::uint32_t gone[] = {404};
  EXPECT_EQ(k.hold(gone, "").refusal, Hold::Refusal::kNoProcess);
  EXPECT_EQ(prober->asked, (std::vector<std::uint32_t>{42, 404}));
  EXPECT_NE(k.hold(one, "inuse_space").keep, nullptr);
  EXPECT_EQ(prober->with_frees, (std::vector<bool>{false, false, true}))
      << "frees are probed for in-use requests only";
}

TEST(HeapKind, HoldBeforeTheObjectIsLoadedIsUnsupported) {
  const HeapKind k(HeapConfig{});
  const std::uint32_t one[] = {42};
  EXPECT_EQ(k.hold(one, "").refusal, Hold::Refusal::kUnsupported);
}

}  // namespace
}  // namespace profbufd::kinds::heap
