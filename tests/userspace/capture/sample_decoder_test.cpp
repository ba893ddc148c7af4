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
  profbufd_record& h = s.hdr;
  h.time_ns = 123456789;
  h.value = 1;
  h.cgroup_id = 0x1234;
  h.pid = 4242;
  h.tid = 4243;
  h.cpu = 1;
  h.kind = PROFBUFD_KIND_CPU;
  h.flags = 0;
  h.kernel_frames = kframes;
  h.user_frames = uframes;
  h.kernel_err = 0;
  h.user_err = 0;
  h.kernel_status = kframes ? PROFBUFD_STACK_OK : PROFBUFD_STACK_EMPTY;
  h.user_status = uframes ? PROFBUFD_STACK_OK : PROFBUFD_STACK_EMPTY;
  h.python_frames = 0;
  h.python_status = PY_END_NONE;
  std::memset(h.pad, 0, sizeof(h.pad));
  std::memset(h.comm, 0, sizeof(h.comm));
  std::memcpy(h.comm, "spin_chain", 10);
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
  const RecordHeader h = RecordHeader::unpack(d.sample->hdr);
  EXPECT_EQ(h.pid, 4242u);
  EXPECT_EQ(h.tid, 4243u);
  EXPECT_EQ(h.cpu, 1u);
  EXPECT_EQ(h.kind, PROFBUFD_KIND_CPU);
  EXPECT_EQ(h.value, 1u);
  EXPECT_EQ(h.cgroup_id, 0x1234u);
  const StackInfo info = h.stack;
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
  s.hdr.kernel_status = PROFBUFD_STACK_EMPTY;
  s.hdr.user_status = PROFBUFD_STACK_ERROR;
  s.hdr.user_err = -EFAULT;
  const DecodeResult d = decode_sample(bytes(s));
  ASSERT_TRUE(d.sample);
  const StackInfo info = RecordHeader::unpack(d.sample->hdr).stack;
  EXPECT_EQ(info.user_status, PROFBUFD_STACK_ERROR);
  EXPECT_EQ(info.user_errno, EFAULT);
  EXPECT_EQ(info.kernel_status, PROFBUFD_STACK_EMPTY);
  EXPECT_EQ(info.kernel_errno, 0);
  EXPECT_TRUE(d.sample->stack.empty());
}

TEST(SampleDecoderTest, AcceptsARecordCutRightAfterItsFrames) {
  const profbufd_sample s = make_sample(2, 3);
  EXPECT_TRUE(decode_sample(bytes(s, PROFBUFD_RECORD_HEADER_BYTES + 5 * 8)).sample);
}

TEST(SampleDecoderTest, RejectsShortRecords) {
  const profbufd_sample s = make_sample(0, 0);
  const DecodeResult d = decode_sample(bytes(s, PROFBUFD_RECORD_HEADER_BYTES - 8));
  EXPECT_FALSE(d.sample);
  EXPECT_EQ(d.error, DecodeError::kTooShort);
}

TEST(SampleDecoderTest, RejectsFrameCountsAboveTheMaximum) {
  profbufd_sample s = make_sample(0, 0);
  s.hdr.kernel_frames = PROFBUFD_MAX_FRAMES + 1;
  EXPECT_EQ(decode_sample(bytes(s)).error, DecodeError::kTooManyFrames);
  s.hdr.kernel_frames = 0;
  s.hdr.user_frames = 0xffff;
  EXPECT_EQ(decode_sample(bytes(s)).error, DecodeError::kTooManyFrames);
  // A user stack may fill the record only when there is no kernel stack.
  s.hdr.user_frames = PROFBUFD_MAX_USER_FRAMES;
  EXPECT_TRUE(decode_sample(bytes(s)).sample);
  s.hdr.kernel_frames = 1;
  EXPECT_EQ(decode_sample(bytes(s)).error, DecodeError::kTooManyFrames);
}

TEST(SampleDecoderTest, RejectsFramesBeyondTheRecord) {
  const profbufd_sample s = make_sample(2, 3);
  const DecodeResult d = decode_sample(bytes(s, PROFBUFD_RECORD_HEADER_BYTES + 4 * 8));
  EXPECT_FALSE(d.sample);
  EXPECT_EQ(d.error, DecodeError::kTruncated);
}

TEST(SampleDecoderTest, MisalignedRecordIsABrokenInvariant) {
  alignas(8) std::byte raw[sizeof(profbufd_sample) + 8]{};
  EXPECT_THROW(decode_sample({raw + 4, sizeof(profbufd_sample)}), std::invalid_argument);
}

TEST(SampleDecoderTest, RoundTripsThroughARealProfBuf) {
  ProfBuf buf(kRecordHeaderWords, 4096, 64);
  TaskInterner interner;
  const profbufd_sample a = make_sample(3, 2);
  profbufd_sample b = make_sample(0, 4);
  b.hdr.time_ns = 999;
  b.hdr.tid = 7;
  std::memcpy(b.hdr.comm, "swapper/1\0\0\0\0\0\0", 16);
  b.hdr.user_status = PROFBUFD_STACK_ERROR;  // frames and an error can't both be; the
  b.hdr.user_err = -EINVAL;                  // header carries whatever BPF said.

  for (const profbufd_sample* s : {&a, static_cast<const profbufd_sample*>(&b)}) {
    const DecodeResult d = decode_sample(bytes(*s));
    ASSERT_TRUE(d.sample);
    write_sample(*d.sample, interner.intern(d.sample->comm), buf);
  }

  const auto recs = drain(buf);
  ASSERT_EQ(recs.size(), 2u);

  EXPECT_EQ(recs[0].time, 123456789u);
  RecordHeader expect;
  expect.pid = 4242;
  expect.tid = 4243;
  expect.cpu = 1;
  expect.kind = PROFBUFD_KIND_CPU;
  expect.value = 1;
  expect.cgroup_id = 0x1234;
  expect.stack = StackInfo{3, 2, 0, 0, 0, 0};
  const RecordHeader::Words words = expect.pack();
  EXPECT_EQ(recs[0].hdr, std::vector<std::uint64_t>(words.begin(), words.end()));
  EXPECT_EQ(recs[0].stack,
            (std::vector<std::uint64_t>{0xffffffff81000000ULL, 0xffffffff81000001ULL,
                                        0xffffffff81000002ULL, 0x5555555550000ULL,
                                        0x5555555550001ULL}));
  ASSERT_NE(recs[0].task(), nullptr);
  EXPECT_EQ(recs[0].task()->name(), "spin_chain");

  EXPECT_EQ(recs[1].time, 999u);
  EXPECT_EQ(recs[1].header().tid, 7u);
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
  ProfBuf buf(kRecordHeaderWords, 2 + kRecordHeaderWords + 2 * PROFBUFD_MAX_FRAMES, 1);
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
