// Concurrent stress test of ProfBuf: one writer thread, one reader thread doing
// blocking reads, ring sizes from tiny (overflow on most writes) to roomy (reader
// sleeps between writes). Every write carries its sequence number; the reader checks
// that each one arrives exactly once, in order, either as a record with exactly the
// words and tag written or inside one overflow record whose time is the sequence
// number of the first write it counts. Built for ThreadSanitizer too
// (make test-unit SANITIZE=thread GTEST_FILTER='ProfBuf*').
#include "core/profbuf.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace profbufd {
namespace {

struct StressCase {
  std::string name;
  std::size_t hdrsize, bufwords, tags, max_stack;
  std::uint64_t writes;
  std::uint64_t writer_yield_every;  // 0: never; small values let the reader sleep
  std::uint64_t reader_yield_every;  // 0: never; small values make the ring fill
};

void PrintTo(const StressCase& c, std::ostream* os) { *os << c.name; }

// Content of write `seq`, shared by the writer (to produce) and reader (to check).
std::size_t stack_len(const StressCase& c, std::uint64_t seq) {
  // Not a multiple of the ring period: varies the wrap points.
  return (seq * 7 + seq / 3) % (c.max_stack + 1);
}
std::uint64_t hdr_word(std::uint64_t seq, std::size_t h) { return (seq + 1) * 16 + h; }
std::uint64_t stk_word(std::uint64_t seq, std::size_t i) { return seq * 0x9E3779B97F4A7C15u + i; }
// Writes with seq % 3 == 0 leave out the last header word (it reads back as 0).
std::size_t hdr_len(const StressCase& c, std::uint64_t seq) {
  return c.hdrsize > 0 && seq % 3 == 0 ? c.hdrsize - 1 : c.hdrsize;
}

int g_tags[5];
const void* tag_of(std::uint64_t seq) { return &g_tags[seq % 5]; }

struct Tally {
  std::uint64_t next = 0;  // sequence number expected next
  std::uint64_t records = 0;
  std::uint64_t overflow_records = 0;
  std::uint64_t lost = 0;
  std::uint64_t reads = 0;
};

// Checks one read. Returns false at the first mismatch (already reported).
bool check_read(const StressCase& c, const ProfBuf::ReadResult& r, Tally& t) {
  std::size_t di = 0;
  for (const void* tag : r.tags) {
    if (di + 2 + c.hdrsize > r.data.size()) {
      ADD_FAILURE() << "tags outrun data at word " << di;
      return false;
    }
    const std::uint64_t len = r.data[di];
    if (len < 2 + c.hdrsize || len > r.data.size() - di) {
      ADD_FAILURE() << "bad length " << len << " at word " << di;
      return false;
    }
    const auto rec = r.data.subspan(di, len);
    if (tag == nullptr) {
      // Overflow record: zero header, one stack word = count, time = first lost seq.
      bool ok = len == 2 + c.hdrsize + 1 && rec[1] == t.next && rec[2 + c.hdrsize] > 0;
      for (std::size_t h = 0; ok && h < c.hdrsize; ++h) ok = rec[2 + h] == 0;
      if (!ok) {
        ADD_FAILURE() << "bad overflow record: len " << len << " time " << rec[1]
                      << " expected time " << t.next;
        return false;
      }
      t.next += rec[2 + c.hdrsize];
      t.lost += rec[2 + c.hdrsize];
      ++t.overflow_records;
    } else {
      const std::uint64_t seq = t.next;
      bool ok = tag == tag_of(seq) && len == 2 + c.hdrsize + stack_len(c, seq) && rec[1] == seq;
      for (std::size_t h = 0; ok && h < c.hdrsize; ++h) {
        ok = rec[2 + h] == (h < hdr_len(c, seq) ? hdr_word(seq, h) : 0);
      }
      for (std::size_t i = 0; ok && i < stack_len(c, seq); ++i) {
        ok = rec[2 + c.hdrsize + i] == stk_word(seq, i);
      }
      if (!ok) {
        ADD_FAILURE() << "record does not match write " << seq << " (time word " << rec[1]
                      << ", length " << len << ")";
        return false;
      }
      ++t.next;
      ++t.records;
    }
    di += len;
  }
  if (di != r.data.size()) {
    ADD_FAILURE() << "data words without tags: " << r.data.size() - di;
    return false;
  }
  return true;
}

class ProfBufStressTest : public ::testing::TestWithParam<StressCase> {};

TEST_P(ProfBufStressTest, EveryWriteAccountedForInOrder) {
  const StressCase c = GetParam();
  ProfBuf b(c.hdrsize, c.bufwords, c.tags);

  std::thread writer([&] {
    std::vector<std::uint64_t> hdr(c.hdrsize), stk(c.max_stack);
    for (std::uint64_t seq = 0; seq < c.writes; ++seq) {
      for (std::size_t h = 0; h < c.hdrsize; ++h) hdr[h] = hdr_word(seq, h);
      const std::size_t n = stack_len(c, seq);
      for (std::size_t i = 0; i < n; ++i) stk[i] = stk_word(seq, i);
      b.write(tag_of(seq), seq, std::span(hdr).first(hdr_len(c, seq)), std::span(stk).first(n));
      if (c.writer_yield_every != 0 && seq % c.writer_yield_every == 0) {
        std::this_thread::yield();
      }
    }
    b.close();
  });

  Tally t;
  bool ok = true;
  for (;;) {
    ProfBuf::ReadResult r = b.read(ReadMode::kBlocking);
    ++t.reads;
    if (r.eof) break;
    if (r.data.empty() || r.tags.empty()) {
      ADD_FAILURE() << "blocking read returned nothing before EOF";
      ok = false;
      break;
    }
    if (!check_read(c, r, t)) {
      ok = false;
      break;
    }
    if (c.reader_yield_every != 0 && t.reads % c.reader_yield_every == 0) {
      std::this_thread::yield();
    }
  }
  if (!ok) {
    // Let the writer finish (it never blocks) so the thread can be joined.
    writer.join();
    return;
  }
  writer.join();

  EXPECT_EQ(t.next, c.writes) << "writes unaccounted for";
  EXPECT_EQ(t.records + t.lost, c.writes);
  EXPECT_GT(t.records, 0u);
  RecordProperty("records", std::to_string(t.records));
  RecordProperty("lost", std::to_string(t.lost));
  RecordProperty("overflow_records", std::to_string(t.overflow_records));
  RecordProperty("reads", std::to_string(t.reads));
}

// Sizes keep the whole suite to a few seconds under TSan on 2 cores.
INSTANTIATE_TEST_SUITE_P(
    ProfBufRings, ProfBufStressTest,
    ::testing::Values(
        // Records up to 2+1+12 = 15 words in a 16-word ring: constant overflow.
        StressCase{"tiny", 1, 16, 4, 12, 60000, 16, 0},
        // Some records (up to 2+1+10 words) never fit in 8 words.
        StressCase{"smaller_than_record", 1, 8, 2, 10, 40000, 8, 0},
        // Tag ring is the bottleneck.
        StressCase{"tag_bound", 2, 4096, 4, 4, 80000, 4, 2},
        // Slow reader: the ring fills, overflow is emitted by the writer.
        StressCase{"slow_reader", 4, 256, 16, 32, 80000, 8, 1},
        // Writer pauses: the reader goes to sleep and is woken often.
        StressCase{"sleepy_reader", 4, 1024, 64, 32, 30000, 1, 0},
        StressCase{"roomy", 4, 1 << 14, 256, 64, 60000, 64, 0}),
    [](const ::testing::TestParamInfo<StressCase>& info) { return info.param.name; });

}  // namespace
}  // namespace profbufd
