// Word-level tests of ProfBuf: record layout, wraparound of either ring, overflow
// emitted by the writer or synthesized by the reader, EOF, blocking reads, misuse.
// Ring sizes are chosen small so that every offset below can be worked out by hand;
// the comments give the arithmetic.
#include "core/profbuf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace profbufd {

// Test-only access to ProfBuf internals: to wait until the reader really sleeps
// (so the futex path is exercised, without timing assumptions), to check the rewind
// marker and released tag slots, and to corrupt the ring.
class ProfBufTestPeer {
 public:
  static bool reader_sleeping(const ProfBuf& b) {
    return (b.w_.load(std::memory_order_acquire) & ProfBuf::kReaderSleeping) != 0;
  }
  static std::uint64_t data_word(const ProfBuf& b, std::size_t i) { return b.data_.at(i); }
  static void set_data_word(ProfBuf& b, std::size_t i, std::uint64_t v) { b.data_.at(i) = v; }
  static const void* tag_slot(const ProfBuf& b, std::size_t i) { return b.tags_.at(i); }
  static std::size_t data_size(const ProfBuf& b) { return b.data_size_; }
  static std::size_t tag_size(const ProfBuf& b) { return b.tag_size_; }
  static std::uint64_t w(const ProfBuf& b) { return b.w_.load(); }
  static void set_w(ProfBuf& b, std::uint64_t v) { b.w_.store(v); }
  static void set_overflow(ProfBuf& b, std::uint64_t overflow, std::uint64_t time) {
    b.overflow_time_.store(time);
    b.overflow_.store(overflow);
  }
};

namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using Peer = ProfBufTestPeer;
using Words = std::vector<std::uint64_t>;
using Tags = std::vector<const void*>;

void put(ProfBuf& b, const void* tag, std::uint64_t now, std::initializer_list<std::uint64_t> hdr,
         std::initializer_list<std::uint64_t> stk) {
  b.write(tag, now, std::span<const std::uint64_t>(hdr.begin(), hdr.size()),
          std::span<const std::uint64_t>(stk.begin(), stk.size()));
}

struct Got {
  Words data;
  Tags tags;
  bool eof;
};

Got get(ProfBuf& b, ReadMode mode = ReadMode::kNonBlocking) {
  ProfBuf::ReadResult r = b.read(mode);
  return {Words(r.data.begin(), r.data.end()), Tags(r.tags.begin(), r.tags.end()), r.eof};
}

void expect_empty(ProfBuf& b) {
  Got g = get(b);
  EXPECT_THAT(g.data, IsEmpty());
  EXPECT_THAT(g.tags, IsEmpty());
  EXPECT_FALSE(g.eof);
}

int ta, tb, tc, td, te, tf;  // distinct addresses used as tags

TEST(ProfBufTest, RoundsSizesUpToPowersOfTwo) {
  ProfBuf b(2, 17, 5);
  EXPECT_EQ(Peer::data_size(b), 32u);
  EXPECT_EQ(Peer::tag_size(b), 8u);
  // The data ring always holds at least one overflow record (2 + hdrsize + 1).
  ProfBuf small(4, 0, 0);
  EXPECT_EQ(Peer::data_size(small), 8u);
  EXPECT_EQ(Peer::tag_size(small), 1u);
}

TEST(ProfBufTest, BasicWriteRead) {
  ProfBuf b(2, 16, 4);
  put(b, &ta, 100, {7, 8}, {1, 2, 3});
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(7, 100, 7, 8, 1, 2, 3));
  EXPECT_THAT(g.tags, ElementsAre(&ta));
  EXPECT_FALSE(g.eof);
  expect_empty(b);
}

TEST(ProfBufTest, ShortHeaderIsZeroPaddedOverStaleWords) {
  ProfBuf b(3, 16, 4);
  put(b, &ta, 1, {11, 12, 13}, {});                // 0..4
  put(b, &tb, 2, {14, 15, 16}, {7, 7, 7, 7, 7, 7});  // 5..15
  EXPECT_EQ(get(b).data.size(), 16u);
  expect_empty(b);  // releases everything
  put(b, &tc, 3, {21}, {99});  // 0..5, over the stale 11, 12, 13
  put(b, nullptr, 4, {}, {});  // 6..10, over the stale 15, 16, 7
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(6, 3, 21, 0, 0, 99, /**/ 5, 4, 0, 0, 0));
  EXPECT_THAT(g.tags, ElementsAre(&tc, nullptr));
}

// The words skipped by a rewind count as used: a record that fits in the ring only
// by ignoring them is discarded.
TEST(ProfBufTest, RewindNeedsRoomForSkippedWords) {
  ProfBuf b(3, 8, 4);
  put(b, &ta, 1, {11, 12, 13}, {});  // 0..4
  EXPECT_THAT(get(b).data, ElementsAre(5, 1, 11, 12, 13));
  expect_empty(b);  // releases 0..4: the whole ring is free
  // At 5, 5 + 6 > 8: rewind, losing 3 of the 8 free words; 5 < 6.
  put(b, &tb, 2, {21}, {99});
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(6, 2, 0, 0, 0, 1));  // overflow record
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
  put(b, &tc, 3, {31}, {});  // 5 words: rewinds and fits
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(5, 3, 31, 0, 0));
  EXPECT_THAT(g.tags, ElementsAre(&tc));
  EXPECT_EQ(Peer::data_word(b, 5), 0u);  // the rewind marker
}

TEST(ProfBufTest, SeveralRecordsInOneRead) {
  ProfBuf b(1, 64, 8);
  put(b, &ta, 10, {1}, {});
  put(b, &tb, 11, {2}, {20, 21});
  put(b, nullptr, 12, {3}, {30});
  put(b, &tc, 13, {}, {40, 41, 42, 43});
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(3, 10, 1,                    //
                                  5, 11, 2, 20, 21,            //
                                  4, 12, 3, 30,                //
                                  7, 13, 0, 40, 41, 42, 43));  //
  EXPECT_THAT(g.tags, ElementsAre(&ta, &tb, nullptr, &tc));
  EXPECT_FALSE(g.eof);
  expect_empty(b);
}

TEST(ProfBufTest, ViewsStayValidUntilNextRead) {
  ProfBuf b(1, 64, 8);
  put(b, &ta, 10, {1}, {2});
  ProfBuf::ReadResult r = b.read(ReadMode::kNonBlocking);
  // Writes after the read go elsewhere in the ring: the returned words are intact.
  put(b, &tb, 11, {3}, {4});
  put(b, &tc, 12, {5}, {6});
  EXPECT_THAT(Words(r.data.begin(), r.data.end()), ElementsAre(4, 10, 1, 2));
  EXPECT_THAT(Tags(r.tags.begin(), r.tags.end()), ElementsAre(&ta));
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(4, 11, 3, 4, 4, 12, 5, 6));
  EXPECT_THAT(g.tags, ElementsAre(&tb, &tc));
}

// The reader synthesizes the pending overflow when the ring is empty.
TEST(ProfBufTest, OverflowSynthesizedByReader) {
  ProfBuf b(1, 16, 8);  // records with 2 stack words take 5 words
  put(b, &ta, 1, {10}, {11, 12});  // 0..4
  put(b, &tb, 2, {20}, {21, 22});  // 5..9
  put(b, &tc, 3, {30}, {31, 32});  // 10..14
  // At 15: 15 + 5 > 16 needs a rewind, and words 0..14 are not released: discarded.
  put(b, &td, 4, {40}, {41, 42});
  put(b, &te, 5, {50}, {51, 52});
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(5, 1, 10, 11, 12, 5, 2, 20, 21, 22, 5, 3, 30, 31, 32));
  EXPECT_THAT(g.tags, ElementsAre(&ta, &tb, &tc));
  // Released, ring empty, overflow pending: length 4, time of the first discarded
  // write, zero header, count 2, null tag.
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(4, 4, 0, 2));
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
  EXPECT_FALSE(g.eof);
  expect_empty(b);  // taken: not reported twice
  // The writer finds no pending overflow and writes only its record (rewinding).
  put(b, &tf, 6, {60}, {61, 62});
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(5, 6, 60, 61, 62));
  EXPECT_THAT(g.tags, ElementsAre(&tf));
  EXPECT_EQ(Peer::data_word(b, 15), 0u);
  expect_empty(b);
}

// The writer emits the pending overflow once there is room for it and its record;
// here the overflow record itself is the one that rewinds.
TEST(ProfBufTest, OverflowEmittedByWriter) {
  ProfBuf b(1, 16, 8);
  put(b, &ta, 1, {10}, {11, 12});  // 0..4
  put(b, &tb, 2, {20}, {21, 22});  // 5..9
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(5, 1, 10, 11, 12, 5, 2, 20, 21, 22));
  put(b, &tc, 3, {30}, {31, 32});  // 10..14
  put(b, &td, 4, {40}, {41, 42});  // at 15 needs a rewind; 0..9 not released yet
  put(b, &te, 5, {50}, {51, 52});
  g = get(b);  // releases 0..9, returns 10..14; the overflow stays pending
  EXPECT_THAT(g.data, ElementsAre(5, 3, 30, 31, 32));
  EXPECT_THAT(g.tags, ElementsAre(&tc));
  // Free: 10 words from 15. Overflow record (4) rewinds from 15 to 0..3, the new
  // record goes to 4..8.
  put(b, &tf, 6, {60}, {61, 62});
  EXPECT_EQ(Peer::data_word(b, 15), 0u);
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(4, 4, 0, 2, /**/ 5, 6, 60, 61, 62));
  EXPECT_THAT(g.tags, ElementsAre(nullptr, &tf));
  expect_empty(b);  // and the reader has nothing left to synthesize
}

// An emitted overflow record that ends exactly at the end of the ring: the read
// stops there, and the next record starts at 0 without a rewind marker.
TEST(ProfBufTest, OverflowRecordAtEndOfRing) {
  ProfBuf b(1, 16, 8);
  put(b, &ta, 1, {10}, {11, 12, 13});  // 0..5
  EXPECT_THAT(get(b).data, ElementsAre(6, 1, 10, 11, 12, 13));
  put(b, &tb, 2, {20}, {21, 22, 23});  // 6..11
  put(b, &tc, 3, {30}, {31, 32});      // at 12: rewind, but 0..5 not released
  put(b, &td, 4, {40}, {41, 42});
  put(b, &te, 5, {50}, {51, 52});
  Got g = get(b);  // releases 0..5
  EXPECT_THAT(g.data, ElementsAre(6, 2, 20, 21, 22, 23));
  // Free 10 from 12: overflow record at 12..15, the record at 0..4.
  put(b, &tf, 6, {60}, {61, 62});
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(4, 3, 0, 3));
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(5, 6, 60, 61, 62));
  EXPECT_THAT(g.tags, ElementsAre(&tf));
  expect_empty(b);
}

TEST(ProfBufTest, DataWraparound) {
  ProfBuf b(0, 16, 16);  // 5 stack words: 7-word records
  put(b, &ta, 1, {}, {1, 1, 1, 1, 1});  // 0..6
  EXPECT_THAT(get(b).data, ElementsAre(7, 1, 1, 1, 1, 1, 1));
  expect_empty(b);                      // releases 0..6
  put(b, &tb, 2, {}, {2, 2, 2, 2, 2});  // 7..13
  put(b, &tc, 3, {}, {3, 3, 3, 3, 3});  // rewind marker at 14, record at 0..6
  put(b, &td, 4, {}, {4, 4, 4, 4, 4});  // blocked: 7..13 not released
  // The read stops at the rewind marker...
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(7, 2, 2, 2, 2, 2, 2));
  EXPECT_THAT(g.tags, ElementsAre(&tb));
  EXPECT_EQ(Peer::data_word(b, 14), 0u);
  // ...and the next one continues at 0.
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(7, 3, 3, 3, 3, 3, 3));
  EXPECT_THAT(g.tags, ElementsAre(&tc));
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(3, 4, 1));  // td's write was discarded
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
}

TEST(ProfBufTest, DataWraparoundWithinOneRead) {
  ProfBuf b(0, 16, 16);
  put(b, &ta, 1, {}, {1, 1, 1, 1, 1});  // 0..6
  put(b, &tb, 2, {}, {2, 2, 2, 2, 2});  // 7..13
  EXPECT_EQ(get(b).data.size(), 14u);
  expect_empty(b);
  put(b, &tc, 3, {}, {3, 3, 3, 3, 3});  // rewind marker at 14, 0..6
  put(b, &td, 4, {}, {4});              // 7..9
  // The read starts at the rewind marker: it skips it and returns 0..9.
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(7, 3, 3, 3, 3, 3, 3, 3, 4, 4));
  EXPECT_THAT(g.tags, ElementsAre(&tc, &td));
  expect_empty(b);
}

TEST(ProfBufTest, TagWraparound) {
  ProfBuf b(0, 256, 4);  // plenty of data; 4 tag slots
  put(b, &ta, 1, {}, {1});
  put(b, &tb, 2, {}, {2});
  put(b, &tc, 3, {}, {3});  // tag slots 0, 1, 2
  EXPECT_THAT(get(b).tags, ElementsAre(&ta, &tb, &tc));
  expect_empty(b);
  put(b, &td, 4, {}, {4});  // slot 3
  put(b, &te, 5, {}, {5});  // slot 0
  put(b, &tf, 6, {}, {6});  // slot 1
  // The read stops at the end of the tag ring even though the data goes on.
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(3, 4, 4));
  EXPECT_THAT(g.tags, ElementsAre(&td));
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(3, 5, 5, 3, 6, 6));
  EXPECT_THAT(g.tags, ElementsAre(&te, &tf));
  expect_empty(b);
}

TEST(ProfBufTest, DataAndTagWraparound) {
  ProfBuf b(0, 16, 4);  // 3 stack words: 5-word records
  put(b, &ta, 1, {}, {1, 1, 1});  // 0..4, slot 0
  put(b, &tb, 2, {}, {2, 2, 2});  // 5..9, slot 1
  put(b, &tc, 3, {}, {3, 3, 3});  // 10..14, slot 2
  EXPECT_EQ(get(b).tags.size(), 3u);
  expect_empty(b);
  put(b, &td, 4, {}, {4, 4, 4});  // rewind marker at 15, 0..4, slot 3
  put(b, &te, 5, {}, {5, 5, 5});  // 5..9, slot 0
  Got g = get(b);  // data wraps first (skip the marker), then the tags stop it
  EXPECT_THAT(g.data, ElementsAre(5, 4, 4, 4, 4));
  EXPECT_THAT(g.tags, ElementsAre(&td));
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(5, 5, 5, 5, 5));
  EXPECT_THAT(g.tags, ElementsAre(&te));
  expect_empty(b);
}

TEST(ProfBufTest, ReleasedTagSlotsAreNulled) {
  ProfBuf b(0, 64, 2);
  put(b, &ta, 1, {}, {1});  // slot 0
  EXPECT_THAT(get(b).tags, ElementsAre(&ta));
  EXPECT_EQ(Peer::tag_slot(b, 0), &ta);  // still in use by the caller
  put(b, nullptr, 2, {}, {2});  // slot 1
  EXPECT_THAT(get(b).tags, ElementsAre(nullptr));
  EXPECT_EQ(Peer::tag_slot(b, 0), nullptr);  // released with the second read
  // A null tag is not stored: slot 0 must read back null, not the stale &ta.
  put(b, nullptr, 3, {}, {3});
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(3, 3, 3));
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
}

TEST(ProfBufTest, FullTagRingOverflows) {
  ProfBuf b(0, 64, 2);
  put(b, &ta, 1, {}, {1});
  put(b, &tb, 2, {}, {2});
  put(b, &tc, 3, {}, {3});  // data has room, the tag ring does not
  put(b, &td, 4, {}, {4});
  EXPECT_THAT(get(b).tags, ElementsAre(&ta, &tb));
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(3, 3, 2));
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
}

TEST(ProfBufTest, RecordLargerThanRingIsCountedAsOverflow) {
  ProfBuf b(1, 8, 4);
  put(b, &ta, 7, {1}, {1, 2, 3, 4, 5, 6});  // 9 words > 8
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(4, 7, 0, 1));
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
  put(b, &tb, 8, {1}, {1, 2, 3, 4, 5});  // exactly 8 words fits
  g = get(b);
  EXPECT_THAT(g.data, ElementsAre(8, 8, 1, 1, 2, 3, 4, 5));
  EXPECT_THAT(g.tags, ElementsAre(&tb));
}

TEST(ProfBufTest, OverflowCountIsStickyAtMaximum) {
  ProfBuf b(0, 8, 1);
  put(b, &ta, 1, {}, {1});  // fills the tag ring
  Peer::set_overflow(b, (std::uint64_t{5} << 32) | 0xFFFFFFFEu, 42);
  put(b, &tb, 2, {}, {2});  // count -> 2^32-1
  put(b, &tc, 3, {}, {3});  // stays
  EXPECT_THAT(get(b).data, ElementsAre(3, 1, 1));
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(3, 42, 0xFFFFFFFFu));
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
  expect_empty(b);
}

TEST(ProfBufTest, EofAfterDrain) {
  ProfBuf b(1, 16, 4);
  put(b, &ta, 1, {5}, {6});
  b.close();
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(4, 1, 5, 6));
  EXPECT_FALSE(g.eof);
  for (ReadMode mode : {ReadMode::kNonBlocking, ReadMode::kBlocking, ReadMode::kNonBlocking}) {
    g = get(b, mode);
    EXPECT_THAT(g.data, IsEmpty());
    EXPECT_THAT(g.tags, IsEmpty());
    EXPECT_TRUE(g.eof);
  }
}

TEST(ProfBufTest, EofComesAfterPendingOverflow) {
  ProfBuf b(1, 8, 4);
  put(b, &ta, 1, {5}, {6});            // 0..3
  put(b, &tb, 2, {5}, {6, 7, 8, 9});  // does not fit
  b.close();
  EXPECT_THAT(get(b).data, ElementsAre(4, 1, 5, 6));
  Got g = get(b);
  EXPECT_THAT(g.data, ElementsAre(4, 2, 0, 1));
  EXPECT_FALSE(g.eof);
  EXPECT_TRUE(get(b, ReadMode::kBlocking).eof);
}

// Waits until the reader thread has announced its sleep, so that the wake-up path
// (not the fast path) is what the test exercises. No timing assumption: the loop
// ends when the flag is set, and the flag is cleared only by the writer.
void wait_until_reader_sleeps(const ProfBuf& b) {
  while (!Peer::reader_sleeping(b)) std::this_thread::yield();
}

TEST(ProfBufTest, BlockingReadWokenByWrite) {
  ProfBuf b(1, 16, 4);
  Got g;
  std::thread reader([&] { g = get(b, ReadMode::kBlocking); });
  wait_until_reader_sleeps(b);
  put(b, &ta, 9, {1}, {2, 3});
  reader.join();
  EXPECT_THAT(g.data, ElementsAre(5, 9, 1, 2, 3));
  EXPECT_THAT(g.tags, ElementsAre(&ta));
  EXPECT_FALSE(g.eof);
  EXPECT_FALSE(Peer::reader_sleeping(b));
}

TEST(ProfBufTest, BlockingReadWokenByClose) {
  ProfBuf b(1, 16, 4);
  Got g{{1}, {nullptr}, false};
  std::thread reader([&] { g = get(b, ReadMode::kBlocking); });
  wait_until_reader_sleeps(b);
  b.close();
  reader.join();
  EXPECT_THAT(g.data, IsEmpty());
  EXPECT_THAT(g.tags, IsEmpty());
  EXPECT_TRUE(g.eof);
}

TEST(ProfBufTest, BlockingReadWokenByOverflow) {
  ProfBuf b(1, 8, 4);
  Got g;
  std::thread reader([&] { g = get(b, ReadMode::kBlocking); });
  wait_until_reader_sleeps(b);
  put(b, &ta, 9, {1}, {1, 2, 3, 4, 5, 6, 7});  // never fits
  reader.join();
  EXPECT_THAT(g.data, ElementsAre(4, 9, 0, 1));
  EXPECT_THAT(g.tags, ElementsAre(nullptr));
}

TEST(ProfBufTest, BlockingReadSleepsAgainAfterEachWake) {
  ProfBuf b(0, 64, 8);
  std::vector<Words> got;
  std::thread reader([&] {
    for (int i = 0; i < 3; ++i) got.push_back(get(b, ReadMode::kBlocking).data);
  });
  for (std::uint64_t i = 1; i <= 3; ++i) {
    wait_until_reader_sleeps(b);
    put(b, &ta, i, {}, {i});
  }
  reader.join();
  EXPECT_THAT(got, ElementsAre(ElementsAre(3, 1, 1), ElementsAre(3, 2, 2),
                               ElementsAre(3, 3, 3)));
}

TEST(ProfBufTest, RejectsOversizedBuffers) {
  constexpr std::size_t k28 = std::size_t{1} << 28;
  EXPECT_THROW(ProfBuf(0, k28, 1), std::invalid_argument);
  EXPECT_THROW(ProfBuf(0, 1, k28), std::invalid_argument);
  EXPECT_THROW(ProfBuf(k28, 1, 1), std::invalid_argument);
  EXPECT_THROW(ProfBuf(SIZE_MAX, 1, 1), std::invalid_argument);
  EXPECT_THROW(ProfBuf(0, SIZE_MAX, 1), std::invalid_argument);
  // A header that pushes the minimum ring size (2 + hdrsize + 1) to 2^28.
  EXPECT_THROW(ProfBuf(k28 - 3, 1, 1), std::invalid_argument);
}

TEST(ProfBufTest, RejectsHeaderLongerThanHdrsize) {
  ProfBuf b(2, 16, 4);
  EXPECT_THROW(put(b, &ta, 1, {1, 2, 3}, {4}), std::invalid_argument);
  expect_empty(b);  // nothing written, nothing counted
  put(b, &ta, 1, {1, 2}, {4});
  EXPECT_THAT(get(b).data, ElementsAre(5, 1, 1, 2, 4));
}

TEST(ProfBufTest, SecondCloseThrows) {
  ProfBuf b(0, 8, 1);
  b.close();
  EXPECT_THROW(b.close(), std::logic_error);
}

TEST(ProfBufTest, MalformedRecordSizeThrows) {
  ProfBuf b(0, 16, 4);
  put(b, &ta, 1, {}, {1});
  Peer::set_data_word(b, 0, 17);  // longer than what was committed
  EXPECT_THROW(b.read(ReadMode::kNonBlocking), std::logic_error);
}

TEST(ProfBufTest, TagAndDataOutOfSyncThrows) {
  ProfBuf b(0, 16, 4);
  Peer::set_w(b, 3);  // three data words committed, zero tags
  EXPECT_THROW(b.read(ReadMode::kNonBlocking), std::logic_error);
}

TEST(ProfBufTest, WriteIndexOutOfRangeThrows) {
  ProfBuf b(0, 16, 4);
  Peer::set_w(b, (std::uint64_t{1} << 34) | 17);  // more data than the ring holds
  EXPECT_THROW(b.read(ReadMode::kNonBlocking), std::logic_error);
}

// Deterministic single-thread sweep: many ring sizes, every stack length up to
// more than the ring, reads after every k writes. Each write is either read back
// word for word, in order, or counted by exactly one overflow record that starts
// at it.
struct SweepCase {
  std::size_t hdrsize, bufwords, tags, max_stack, read_every;
};

void PrintTo(const SweepCase& c, std::ostream* os) {
  *os << "hdr " << c.hdrsize << ", " << c.bufwords << " words, " << c.tags << " tags, stack <= "
      << c.max_stack << ", read every " << c.read_every;
}

class ProfBufSweepTest : public ::testing::TestWithParam<SweepCase> {};

TEST_P(ProfBufSweepTest, EveryWriteAccountedFor) {
  const SweepCase c = GetParam();
  ProfBuf b(c.hdrsize, c.bufwords, c.tags);
  static const int kTags[7] = {};
  constexpr std::uint64_t kWrites = 5000;
  std::uint64_t next = 0;  // next write we expect to see
  std::uint64_t records = 0, lost = 0;
  // Checks one read's records against the writes they stand for.
  auto consume = [&](const ProfBuf::ReadResult& r) {
    std::size_t di = 0;
    for (const void* tag : r.tags) {
      ASSERT_LT(di, r.data.size());
      const std::uint64_t len = r.data[di];
      ASSERT_GE(len, 2 + c.hdrsize);
      ASSERT_LE(di + len, r.data.size());
      auto rec = r.data.subspan(di, len);
      if (tag == nullptr) {  // overflow: covers [time, time + count)
        ASSERT_EQ(len, 2 + c.hdrsize + 1);
        EXPECT_EQ(rec[1], next);
        for (std::size_t h = 0; h < c.hdrsize; ++h) EXPECT_EQ(rec[2 + h], 0u);
        ASSERT_GT(rec[2 + c.hdrsize], 0u);
        next += rec[2 + c.hdrsize];
        lost += rec[2 + c.hdrsize];
      } else {
        const std::uint64_t seq = next++;
        const std::size_t n = seq % (c.max_stack + 1);
        ASSERT_EQ(len, 2 + c.hdrsize + n) << "seq " << seq;
        EXPECT_EQ(rec[1], seq);
        EXPECT_EQ(tag, &kTags[seq % 7]);
        for (std::size_t h = 0; h < c.hdrsize; ++h) {
          EXPECT_EQ(rec[2 + h], h + 1 < c.hdrsize || seq % 2 == 0 ? seq * 10 + h : 0);
        }
        for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(rec[2 + c.hdrsize + i], seq ^ i);
        ++records;
      }
      di += len;
    }
    EXPECT_EQ(di, r.data.size());
  };
  std::vector<std::uint64_t> hdr(c.hdrsize), stk(c.max_stack);
  for (std::uint64_t seq = 0; seq < kWrites; ++seq) {
    for (std::size_t h = 0; h < c.hdrsize; ++h) hdr[h] = seq * 10 + h;
    // Odd writes leave out the last header word: it must read back as 0.
    const std::size_t nhdr = c.hdrsize > 0 && seq % 2 == 1 ? c.hdrsize - 1 : c.hdrsize;
    const std::size_t n = seq % (c.max_stack + 1);
    for (std::size_t i = 0; i < n; ++i) stk[i] = seq ^ i;
    b.write(&kTags[seq % 7], seq, std::span(hdr).first(nhdr), std::span(stk).first(n));
    if (seq % c.read_every == 0) consume(b.read(ReadMode::kNonBlocking));
    if (::testing::Test::HasFatalFailure()) return;
  }
  b.close();
  for (;;) {
    ProfBuf::ReadResult r = b.read(ReadMode::kNonBlocking);
    if (r.eof) break;
    ASSERT_FALSE(r.data.empty()) << "empty non-EOF read after close";
    consume(r);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_EQ(next, kWrites);
  EXPECT_EQ(records + lost, kWrites);
  EXPECT_GT(records, 0u);
  if (c.max_stack + 2 + c.hdrsize > c.bufwords || c.read_every > 1) {
    EXPECT_GT(lost, 0u) << "case meant to overflow did not";
  }
}

INSTANTIATE_TEST_SUITE_P(
    ProfBufRings, ProfBufSweepTest,
    ::testing::Values(SweepCase{0, 8, 1, 6, 1}, SweepCase{1, 16, 4, 13, 1},
                      SweepCase{1, 16, 4, 13, 3}, SweepCase{2, 32, 2, 8, 2},
                      SweepCase{3, 64, 16, 40, 5}, SweepCase{4, 128, 4, 32, 7},
                      SweepCase{4, 256, 64, 32, 11}, SweepCase{2, 1024, 8, 100, 9}));

}  // namespace
}  // namespace profbufd
