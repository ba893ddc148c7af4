#include "capture/sample_decoder.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "capture/task_interner.h"
#include "core/profbuf.h"
#include "read_records.h"

namespace profbufd::capture {
namespace {

using test_util::drain;

// A hand-made BPF record: what the BPF program would have submitted.
profbufd_sample make_sample(std::uint16_t kframes, std::uint16_t uframes) {
  profbufd_sample s;
  std::memset(&s, 0xAB, sizeof(s));  // garbage beyond what the header claims
  s.time_ns = 123456789;
  s.pid = 4242;
  s.tid = 4243;
  s.cpu = 1;
  s.kernel_frames = kframes;
  s.user_frames = uframes;
  s.kernel_err = 0;
  s.user_err = 0;
  s.kernel_status = kframes ? PROFBUFD_STACK_OK : PROFBUFD_STACK_EMPTY;
  s.user_status = uframes ? PROFBUFD_STACK_OK : PROFBUFD_STACK_EMPTY;
  s.pad[0] = s.pad[1] = 0;
  std::memset(s.comm, 0, sizeof(s.comm));
  std::memcpy(s.comm, "spin_chain", 10);
  for (int i = 0; i < kframes; ++i) s.frames[i] = 0xffffffff81000000ULL + i;
  for (int i = 0; i < uframes; ++i) s.frames[kframes + i] = 0x5555555550000ULL + i;
  return s;
}

std::span<const std::byte> bytes(const profbufd_sample& s, std::size_t n = sizeof(profbufd_sample)) {
  return {reinterpret_cast<const std::byte*>(&s), n};
}

TEST(SampleDecoderTest, DecodesHeaderAndStack) {
  const profbufd_sample s = make_sample(3, 2);
  const DecodeResult d = decode_sample(bytes(s));
  ASSERT_TRUE(d.sample);
  EXPECT_EQ(d.sample->cpu, 1u);
  EXPECT_EQ(d.sample->time_ns, 123456789u);
  EXPECT_EQ(d.sample->hdr[0], 4242u);
  EXPECT_EQ(d.sample->hdr[1], 4243u);
  EXPECT_EQ(d.sample->hdr[2], 1u);
  const StackInfo info = StackInfo::unpack(d.sample->hdr[3]);
  EXPECT_EQ(info.kernel_frames, 3);
  EXPECT_EQ(info.user_frames, 2);
  EXPECT_EQ(info.kernel_status, PROFBUFD_STACK_OK);
  EXPECT_EQ(info.user_status, PROFBUFD_STACK_OK);
  ASSERT_EQ(d.sample->stack.size(), 5u);
  EXPECT_EQ(d.sample->stack[0], 0xffffffff81000000ULL);
  EXPECT_EQ(d.sample->stack[2], 0xffffffff81000002ULL);
  EXPECT_EQ(d.sample->stack[3], 0x5555555550000ULL);
  EXPECT_EQ(d.sample->stack[4], 0x5555555550001ULL);
  // The stack is a view into the record, not a copy.
  EXPECT_EQ(static_cast<const void*>(d.sample->stack.data()),
            static_cast<const void*>(&s.frames[0]));
  EXPECT_EQ(std::string(d.sample->comm.data(), 10), "spin_chain");
}

TEST(SampleDecoderTest, ErrnoBecomesPositiveInTheHeader) {
  profbufd_sample s = make_sample(0, 0);
  s.kernel_status = PROFBUFD_STACK_EMPTY;
  s.user_status = PROFBUFD_STACK_ERROR;
  s.user_err = -EFAULT;
  const DecodeResult d = decode_sample(bytes(s));
  ASSERT_TRUE(d.sample);
  const StackInfo info = StackInfo::unpack(d.sample->hdr[3]);
  EXPECT_EQ(info.user_status, PROFBUFD_STACK_ERROR);
  EXPECT_EQ(info.user_errno, EFAULT);
  EXPECT_EQ(info.kernel_status, PROFBUFD_STACK_EMPTY);
  EXPECT_EQ(info.kernel_errno, 0);
  EXPECT_TRUE(d.sample->stack.empty());
}

TEST(SampleDecoderTest, AcceptsARecordCutRightAfterItsFrames) {
  const profbufd_sample s = make_sample(2, 3);
  EXPECT_TRUE(decode_sample(bytes(s, PROFBUFD_SAMPLE_HEADER_BYTES + 5 * 8)).sample);
}

TEST(SampleDecoderTest, RejectsShortRecords) {
  const profbufd_sample s = make_sample(0, 0);
  const DecodeResult d = decode_sample(bytes(s, PROFBUFD_SAMPLE_HEADER_BYTES - 8));
  EXPECT_FALSE(d.sample);
  EXPECT_EQ(d.error, DecodeError::kTooShort);
}

TEST(SampleDecoderTest, RejectsFrameCountsAboveTheMaximum) {
  profbufd_sample s = make_sample(0, 0);
  s.kernel_frames = PROFBUFD_MAX_FRAMES + 1;
  EXPECT_EQ(decode_sample(bytes(s)).error, DecodeError::kTooManyFrames);
  s.kernel_frames = 0;
  s.user_frames = 0xffff;
  EXPECT_EQ(decode_sample(bytes(s)).error, DecodeError::kTooManyFrames);
}

TEST(SampleDecoderTest, RejectsFramesBeyondTheRecord) {
  const profbufd_sample s = make_sample(2, 3);
  const DecodeResult d = decode_sample(bytes(s, PROFBUFD_SAMPLE_HEADER_BYTES + 4 * 8));
  EXPECT_FALSE(d.sample);
  EXPECT_EQ(d.error, DecodeError::kTruncated);
}

TEST(SampleDecoderTest, MisalignedRecordIsABrokenInvariant) {
  alignas(8) std::byte raw[sizeof(profbufd_sample) + 8]{};
  EXPECT_THROW(decode_sample({raw + 4, sizeof(profbufd_sample)}), std::invalid_argument);
}

TEST(SampleDecoderTest, RoundTripsThroughARealProfBuf) {
  ProfBuf buf(kSampleHeaderWords, 4096, 64);
  TaskInterner interner;
  const profbufd_sample a = make_sample(3, 2);
  profbufd_sample b = make_sample(0, 4);
  b.time_ns = 999;
  b.tid = 7;
  std::memcpy(b.comm, "swapper/1\0\0\0\0\0\0", 16);
  b.user_status = PROFBUFD_STACK_ERROR;  // frames and an error can't both be; the
  b.user_err = -EINVAL;                  // header carries whatever BPF said.

  for (const profbufd_sample* s : {&a, static_cast<const profbufd_sample*>(&b)}) {
    const DecodeResult d = decode_sample(bytes(*s));
    ASSERT_TRUE(d.sample);
    write_sample(*d.sample, interner.intern(d.sample->comm), buf);
  }

  const auto recs = drain(buf);
  ASSERT_EQ(recs.size(), 2u);

  EXPECT_EQ(recs[0].time, 123456789u);
  EXPECT_EQ(recs[0].hdr, (std::vector<std::uint64_t>{4242, 4243, 1,
                                                     StackInfo{3, 2, 0, 0, 0, 0}.pack()}));
  EXPECT_EQ(recs[0].stack,
            (std::vector<std::uint64_t>{0xffffffff81000000ULL, 0xffffffff81000001ULL,
                                        0xffffffff81000002ULL, 0x5555555550000ULL,
                                        0x5555555550001ULL}));
  ASSERT_NE(recs[0].task(), nullptr);
  EXPECT_EQ(recs[0].task()->name(), "spin_chain");

  EXPECT_EQ(recs[1].time, 999u);
  EXPECT_EQ(recs[1].hdr[1], 7u);
  const StackInfo info = recs[1].info();
  EXPECT_EQ(info.kernel_frames, 0);
  EXPECT_EQ(info.user_frames, 4);
  EXPECT_EQ(info.kernel_status, PROFBUFD_STACK_EMPTY);
  EXPECT_EQ(info.user_status, PROFBUFD_STACK_ERROR);
  EXPECT_EQ(info.user_errno, EINVAL);
  EXPECT_EQ(recs[1].stack.size(), 4u);
  EXPECT_EQ(recs[1].task()->name(), "swapper/1");
  EXPECT_NE(recs[0].tag, recs[1].tag);
}

TEST(SampleDecoderTest, MaximumDepthRecordFitsTheDefaultSizing) {
  const profbufd_sample s = make_sample(PROFBUFD_MAX_FRAMES, PROFBUFD_MAX_FRAMES);
  ProfBuf buf(kSampleHeaderWords, 2 + kSampleHeaderWords + 2 * PROFBUFD_MAX_FRAMES, 1);
  TaskInterner interner;
  const DecodeResult d = decode_sample(bytes(s));
  ASSERT_TRUE(d.sample);
  write_sample(*d.sample, interner.intern(d.sample->comm), buf);
  const auto recs = drain(buf);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_FALSE(recs[0].is_overflow());
  EXPECT_EQ(recs[0].stack.size(), 2u * PROFBUFD_MAX_FRAMES);
  EXPECT_EQ(recs[0].stack.back(), 0x5555555550000ULL + PROFBUFD_MAX_FRAMES - 1);
}

}  // namespace
}  // namespace profbufd::capture
