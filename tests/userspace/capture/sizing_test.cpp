#include "capture/sizing.h"

#include <gtest/gtest.h>

#include "core/record.h"

namespace profbufd::capture {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kRecord = sizeof(profbufd_sample);  // 2104

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

TEST(SizingTest, Pow2Ceil) {
  EXPECT_EQ(pow2ceil(0), 1u);
  EXPECT_EQ(pow2ceil(1), 1u);
  EXPECT_EQ(pow2ceil(2), 2u);
  EXPECT_EQ(pow2ceil(3), 4u);
  EXPECT_EQ(pow2ceil(4096), 4096u);
  EXPECT_EQ(pow2ceil(4097), 8192u);
  EXPECT_EQ(pow2ceil(std::uint64_t{1} << 63), std::uint64_t{1} << 63);
  EXPECT_THROW(pow2ceil((std::uint64_t{1} << 63) + 1), std::length_error);
}

TEST(SizingTest, RingbufHoldsHalfASecondOfFullRecords) {
  // 99 Hz x 2 CPUs x (8 + 2104) bytes / 2 = 209,088 -> 256 KiB.
  EXPECT_EQ(ringbuf_bytes_for(99, 2, kRecord, kPage), 256u * 1024);
  // 999 Hz x 2 CPUs x 2112 / 2 = 2,109,888 -> 4 MiB.
  EXPECT_EQ(ringbuf_bytes_for(999, 2, kRecord, kPage), 4u * 1024 * 1024);
  // 999 Hz x 64 CPUs x 2112 / 2 = 67,516,416 -> 128 MiB.
  const std::uint64_t big = ringbuf_bytes_for(999, 64, kRecord, kPage);
  EXPECT_EQ(big, 128u * 1024 * 1024);
  for (unsigned hz : {1u, 49u, 99u, 250u, 999u}) {
    for (std::size_t cpus : {1u, 2u, 3u, 7u, 64u}) {
      const std::uint64_t b = ringbuf_bytes_for(hz, cpus, kRecord, kPage);
      EXPECT_TRUE(is_pow2(b)) << b;
      const std::uint64_t half_second =
          std::uint64_t{hz} * cpus * (kRecord + kRingbufRecordHeaderBytes) / 2;
      EXPECT_GE(b, half_second);
      // Not more than twice what is needed (it is the next power of two) unless
      // the page floor applies.
      EXPECT_TRUE(b == kPage || b < 2 * half_second);
    }
  }
}

TEST(SizingTest, RingbufRecordsAreRoundedToEightBytes) {
  // 1 Hz x 1 CPU x (8 + 1 -> 16) = 16 bytes -> the page floor.
  EXPECT_EQ(ringbuf_bytes_for(1, 1, 1, kPage), kPage);
  // Rounding matters where it crosses a power of two: 600 records of 8 + 4 ->
  // 16 bytes, halved, = 4800 -> 8192, while 600 x 12 / 2 = 3600 would fit one page.
  EXPECT_EQ(ringbuf_bytes_for(600, 1, 4, kPage), 8192u);
}

TEST(SizingTest, RingbufHasAPageFloor) {
  EXPECT_EQ(ringbuf_bytes_for(1, 1, kRecord, kPage), kPage);
  EXPECT_EQ(ringbuf_bytes_for(1, 1, kRecord, 65536), 65536u);
  // Degenerate inputs still give a usable ring.
  EXPECT_EQ(ringbuf_bytes_for(0, 0, kRecord, kPage), kPage);
}

TEST(SizingTest, RingbufOverrideIsRounded) {
  EXPECT_EQ(round_ringbuf_bytes(1, kPage), kPage);
  EXPECT_EQ(round_ringbuf_bytes(1 << 20, kPage), 1u << 20);
  EXPECT_EQ(round_ringbuf_bytes((1 << 20) + 1, kPage), 2u << 20);
}

TEST(SizingTest, ProfBufDefaultHoldsHalfASecondAt999HzOf64Frames) {
  const ProfBufSize s = profbuf_size_for(999, kRecordHeaderWords, 254, ProfBufSizing{});
  // 500 records x (2 + 4 + 64) words = 35,000 -> 65,536.
  EXPECT_EQ(s.bufwords, 65536u);
  // 65,536 / 6 = 10,922 -> 16,384.
  EXPECT_EQ(s.tags, 16384u);
  // The documented margin: 0.1 s of maximum-depth records fits too.
  EXPECT_GE(s.bufwords, 100u * (2 + kRecordHeaderWords + 254));
}

TEST(SizingTest, ProfBufScalesWithFrequencyAndKnobs) {
  const ProfBufSize low = profbuf_size_for(99, kRecordHeaderWords, 254, ProfBufSizing{});
  // 50 x 70 = 3500 -> 4096 words; 4096 / 6 = 682 -> 1024 tags.
  EXPECT_EQ(low.bufwords, 4096u);
  EXPECT_EQ(low.tags, 1024u);

  ProfBufSizing deep{.seconds = 1.0, .avg_frames = 128};
  const ProfBufSize d = profbuf_size_for(99, kRecordHeaderWords, 254, deep);
  // 99 x 134 = 13,266 -> 16,384.
  EXPECT_EQ(d.bufwords, 16384u);
}

TEST(SizingTest, ProfBufAlwaysHoldsTheLargestRecord) {
  ProfBufSizing tiny{.seconds = 0.001, .avg_frames = 0};
  const ProfBufSize s = profbuf_size_for(1, kRecordHeaderWords, 254, tiny);
  EXPECT_GE(s.bufwords, 2 + kRecordHeaderWords + 254);
  EXPECT_TRUE(is_pow2(s.bufwords));
  EXPECT_TRUE(is_pow2(s.tags));
  // Tags never run out before words: one per minimal (frameless) record.
  EXPECT_GE(s.tags * (2 + kRecordHeaderWords), s.bufwords);
}

}  // namespace
}  // namespace profbufd::capture
