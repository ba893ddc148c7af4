#include "python/runtime_check.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

namespace profbufd::python {
namespace {

// Pointer-sized words at chosen addresses; everything else is unmapped.
class Words final : public Memory {
 public:
  bool read(std::uint64_t addr, void* out, std::size_t n) override {
    auto it = words.find(addr);
    if (it == words.end() || n != 8) return false;
    std::memcpy(out, &it->second, 8);
    return true;
  }
  std::map<std::uint64_t, std::uint64_t> words;
};

constexpr std::uint64_t kRuntime = 0x10000, kInterp = 0x20000, kTstate = 0x30000;

class RuntimeCheck : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  void SetUp() override {
    l_ = layout_for(GetParam()).value();
    m_.words[kRuntime + l_.walker.runtime_interp_main] = kInterp;
    m_.words[kInterp + l_.walker.interp_threads_head] = kTstate;
    m_.words[kTstate + l_.objects.tstate_interp] = kInterp;
  }
  Layout l_;
  Words m_;
};

TEST_P(RuntimeCheck, AThreadStateThatPointsBackAgrees) {
  EXPECT_EQ(runtime_disagrees(m_, kRuntime, l_), "");
}

TEST_P(RuntimeCheck, AnInterpreterNotYetInitializedCannotBeTold) {
  m_.words[kInterp + l_.walker.interp_threads_head] = 0;  // no thread state yet
  EXPECT_EQ(runtime_disagrees(m_, kRuntime, l_), "");
  m_.words[kRuntime + l_.walker.runtime_interp_main] = 0;  // no main interpreter yet
  EXPECT_EQ(runtime_disagrees(m_, kRuntime, l_), "");
  EXPECT_EQ(runtime_disagrees(m_, 0x99990000, l_), "");  // or no such memory at all
}

TEST_P(RuntimeCheck, AnotherLayoutDisagrees) {
  m_.words[kTstate + l_.objects.tstate_interp] = 0x20008;
  EXPECT_EQ(runtime_disagrees(m_, kRuntime, l_),
            "its first thread state names interpreter 0x20008, not 0x20000");
  m_.words.erase(kTstate + l_.objects.tstate_interp);
  EXPECT_EQ(runtime_disagrees(m_, kRuntime, l_), "its first thread state (0x30000) is unreadable");
  m_.words.erase(kInterp + l_.walker.interp_threads_head);
  EXPECT_EQ(runtime_disagrees(m_, kRuntime, l_), "its main interpreter (0x20000) is unreadable");
}

INSTANTIATE_TEST_SUITE_P(Versions, RuntimeCheck,
                         ::testing::Values(0x030b02f0u, 0x030c01f0u, 0x030d00f0u));

}  // namespace
}  // namespace profbufd::python
