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
          PROFBUFD_RECORD_HEADER_BYTES + 8u * (s.hdr.kernel_frames + s.hdr.user_frames)};
}

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
