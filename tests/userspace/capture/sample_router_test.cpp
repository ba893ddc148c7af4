#include "capture/sample_router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "read_records.h"

namespace profbufd::capture {
namespace {

using test_util::drain;

profbufd_sample sample_on(std::uint32_t cpu, const char* comm, std::uint32_t pid) {
  profbufd_sample s{};
  s.hdr.time_ns = 1000 + cpu;
  s.hdr.pid = pid;
  s.hdr.tid = pid;
  s.hdr.cpu = cpu;
  s.hdr.kernel_frames = 1;
  s.hdr.user_frames = 1;
  s.frames[0] = 0xffffffff81234567ULL;
  s.frames[1] = 0x401000 + cpu;
  std::memcpy(s.hdr.comm, comm, std::min(std::strlen(comm), sizeof(s.hdr.comm)));
  return s;
}

std::span<const std::byte> bytes(const profbufd_sample& s) {
  return {reinterpret_cast<const std::byte*>(&s),
          PROFBUFD_RECORD_HEADER_BYTES +
              8u * (s.hdr.kernel_frames + s.hdr.user_frames + 2u * s.hdr.python_frames)};
}

struct SeenPython final : PythonFrameObserver {
  void python_frames(std::uint32_t pid, std::span<const std::uint64_t> words) override {
    calls.emplace_back(pid, std::vector<std::uint64_t>(words.begin(), words.end()));
  }
  std::vector<std::pair<std::uint32_t, std::vector<std::uint64_t>>> calls;
};

class SampleRouterTest : public ::testing::Test {
 protected:
  // CPUs 0 and 2 are sampled; 1 is not (offline).
  SampleRouterTest() {
    bufs_.push_back(std::make_unique<ProfBuf>(kRecordHeaderWords, 1024, 64));
    bufs_.push_back(nullptr);
    bufs_.push_back(std::make_unique<ProfBuf>(kRecordHeaderWords, 1024, 64));
    for (auto& b : bufs_) raw_.push_back(b.get());
  }
  std::vector<std::unique_ptr<ProfBuf>> bufs_;
  std::vector<ProfBuf*> raw_;
  TaskInterner interner_{4};
};

TEST_F(SampleRouterTest, EachSampleGoesToItsCpusBuffer) {
  SampleRouter r(raw_, interner_);
  EXPECT_TRUE(r.route(bytes(sample_on(0, "a", 10))));
  EXPECT_TRUE(r.route(bytes(sample_on(2, "b", 20))));
  EXPECT_TRUE(r.route(bytes(sample_on(2, "a", 30))));

  const auto cpu0 = drain(*bufs_[0]);
  const auto cpu2 = drain(*bufs_[2]);
  ASSERT_EQ(cpu0.size(), 1u);
  ASSERT_EQ(cpu2.size(), 2u);
  EXPECT_EQ(cpu0[0].header().pid, 10u);
  EXPECT_EQ(cpu0[0].header().cpu, 0u);
  EXPECT_EQ(cpu0[0].stack, (std::vector<std::uint64_t>{0xffffffff81234567ULL, 0x401000}));
  EXPECT_EQ(cpu2[0].header().pid, 20u);
  EXPECT_EQ(cpu2[1].header().pid, 30u);
  EXPECT_EQ(cpu2[1].time, 1002u);
  // Same comm on two CPUs: one identity.
  EXPECT_EQ(cpu0[0].tag, cpu2[1].tag);
  EXPECT_EQ(cpu2[0].task()->name(), "b");

  EXPECT_EQ(r.routed(0), 1u);
  EXPECT_EQ(r.routed(1), 0u);
  EXPECT_EQ(r.routed(2), 2u);
  EXPECT_EQ(r.routed(99), 0u);
}

TEST_F(SampleRouterTest, TheObserverIsToldOfEachRecordsPythonFramesOnly) {
  SampleRouter r(raw_, interner_);
  SeenPython seen;
  r.set_python_observer(&seen);
  EXPECT_TRUE(r.route(bytes(sample_on(0, "native", 10))));  // none: not told
  profbufd_sample py = sample_on(2, "python3.11", 20);
  py.hdr.python_frames = 2;
  py.frames[2] = 0x7f0000001001ULL;  // code | entry, then lasti | tag << 32
  py.frames[3] = 0xabcd00000005ULL;
  py.frames[4] = 0x7f0000002000ULL;
  py.frames[5] = 0xef0100000007ULL;
  EXPECT_TRUE(r.route(bytes(py)));
  ASSERT_EQ(seen.calls.size(), 1u);
  EXPECT_EQ(seen.calls[0].first, 20u);
  EXPECT_EQ(seen.calls[0].second, (std::vector<std::uint64_t>{0x7f0000001001ULL, 0xabcd00000005ULL,
                                                              0x7f0000002000ULL, 0xef0100000007ULL}));
  EXPECT_EQ(drain(*bufs_[2]).at(0).stack.size(), 6u);  // the buffer has every word still
}

TEST_F(SampleRouterTest, SamplesForUnsampledCpusAreCountedNotWritten) {
  SampleRouter r(raw_, interner_);
  EXPECT_FALSE(r.route(bytes(sample_on(1, "x", 1))));
  EXPECT_FALSE(r.route(bytes(sample_on(7, "x", 1))));
  EXPECT_EQ(r.misrouted(), 2u);
  EXPECT_TRUE(drain(*bufs_[0]).empty());
  EXPECT_TRUE(drain(*bufs_[2]).empty());
}

TEST_F(SampleRouterTest, MalformedRecordsAreCountedNotWritten) {
  SampleRouter r(raw_, interner_);
  profbufd_sample s = sample_on(0, "x", 1);
  s.hdr.user_frames = 300;
  EXPECT_FALSE(r.route({reinterpret_cast<const std::byte*>(&s), sizeof(s)}));
  EXPECT_FALSE(r.route({reinterpret_cast<const std::byte*>(&s), 8}));
  EXPECT_EQ(r.malformed(), 2u);
  EXPECT_EQ(r.routed(0), 0u);
  EXPECT_TRUE(drain(*bufs_[0]).empty());
}

TEST_F(SampleRouterTest, CommChurnPastTheInternBoundSharesOther) {
  SampleRouter r(raw_, interner_);  // interner bound: 4 identities
  for (int i = 0; i < 10; ++i) {
    const std::string comm = "t" + std::to_string(i);
    ASSERT_TRUE(r.route(bytes(sample_on(0, comm.c_str(), i))));
  }
  const auto recs = drain(*bufs_[0]);
  ASSERT_EQ(recs.size(), 10u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(recs[i].task()->name(), "t" + std::to_string(i));
  for (int i = 4; i < 10; ++i) EXPECT_EQ(recs[i].tag, interner_.other());
  EXPECT_EQ(interner_.overflowed(), 6u);
}

TEST_F(SampleRouterTest, ProfBufOverflowSurfacesAsAnOverflowRecord) {
  SampleRouter r(raw_, interner_);
  // 64 tag slots (and 1024 words) hold at most 64 records; write more
  // without reading.
  for (int i = 0; i < 200; ++i) r.route(bytes(sample_on(0, "x", 1)));
  const auto recs = drain(*bufs_[0]);
  std::uint64_t written = 0, lost = 0;
  for (const auto& rec : recs) {
    if (rec.is_overflow()) {
      lost += rec.stack.at(0);
    } else {
      ++written;
    }
  }
  EXPECT_GT(lost, 0u);
  EXPECT_EQ(written + lost, 200u);
}

}  // namespace
}  // namespace profbufd::capture
