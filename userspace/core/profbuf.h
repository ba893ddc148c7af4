// ProfBuf: a lock-free ring of profiling records for exactly one writer thread and
// one reader thread. A C++ port of the Go runtime's profBuf (runtime/profbuf.go):
// same record layout, same packed indices, same overflow protocol.
//
// ---------------------------------------------------------------------------------
// Records
//
// A record is `hdrsize` header words, a stack of any number of words, one tag
// pointer and a timestamp. The words go to the data ring as
//
//     [ length, time, hdr[0..hdrsize), stk[0..n) ]      length = 2 + hdrsize + n
//
// and the tag goes to the tag ring, one slot per record, in the same order. A header
// shorter than hdrsize is padded with zeros. A record is always contiguous: when it
// does not fit between the write position and the end of the data ring, the writer
// stores a single 0 word there (the "rewind marker"; a real length is never 0) and
// puts the record at offset 0. The skipped words count as written.
//
// Indices
//
// r (released by the reader) and w (committed by the writer) are 64-bit words:
//
//     bits 63..34  tag count   (30 bits, wraps at 2^30)
//     bit  33      kWriteExtra       w only: overflow or EOF was published
//     bit  32      kReaderSleeping   w only: the reader is (about to be) asleep
//     bits 31..0   data count  (32 bits, wraps at 2^32)
//
// Counts are totals modulo 2^30 / 2^32; since both ring sizes are powers of two no
// larger than 2^28, "count & (size-1)" is the ring offset across wraparound, and
// the difference of two counts (sign-extended from 30 bits) is exact because counts
// never drift more than one ring size apart.
//
// Invariants (counts taken modulo their width):
//   I1  r <= rNext <= w, for tags and data separately. [r, w) is what the writer
//       may not touch; [r, rNext) was handed out by the last read() and is still in
//       use by the caller; [rNext, w) is committed but not yet handed out.
//   I2  w - r <= ring size (tags and data). The writer checks free space against an
//       acquired r before writing; r only moves forward.
//   I3  Every tag slot outside [r, w) is null. The reader nulls the slots it
//       releases before publishing r, so the writer only stores non-null tags and
//       never needs to clear a slot (and stale pointers are not kept alive).
//   I4  The data in [r, w) parses as a sequence of records and rewind markers whose
//       record count equals the tag count in [r, w). read() throws
//       std::logic_error when it finds otherwise (only memory corruption can).
//
// Overflow
//
// When a record does not fit, the writer discards it and counts it in `overflow`:
// low 32 bits = discarded writes (sticky at 2^32-1), high 32 bits = a generation
// bumped on every 0 <-> non-0 transition of the low half, so that a CAS that clears
// the count cannot be fooled by a count that dropped to 0 and came back (ABA).
// overflow_time holds the time of the first discarded write; the writer stores it
// only while the count is 0, i.e. before publishing the count that makes it valid.
// A pending overflow becomes an ordinary-looking record
//
//     [ 2 + hdrsize + 1, first_discard_time, 0 x hdrsize, discarded_count ]  tag null
//
// either emitted into the ring by the writer (when the ring has room for it and the
// record being written) or synthesized by the reader into its own buffer (when the
// ring is empty). Only the writer raises the count; both sides may take it, with a
// CAS, so exactly one of them reports it.
//
// Wakeups
//
// A blocking read() with nothing to read sets kReaderSleeping with a CAS on w and
// sleeps on the futex word wake_seq_. Anything the writer does that the reader must
// see (commit a record, publish overflow or EOF) is a CAS on w; when that CAS finds
// kReaderSleeping it bumps wake_seq_ and issues FUTEX_WAKE. See profbuf.cpp for why
// no wakeup can be lost.
// ---------------------------------------------------------------------------------
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace profbufd {

enum class ReadMode { kBlocking, kNonBlocking };

class ProfBuf {
 public:
  // A header of hdrsize words; a data ring of at least bufwords words (and at least
  // one overflow record); a tag ring of at least `tags` slots. Both rings are
  // rounded up to powers of two. Throws std::invalid_argument when bufwords, tags or
  // hdrsize is 2^28 or more (the packed counts would not be exact).
  ProfBuf(std::size_t hdrsize, std::size_t bufwords, std::size_t tags);

  ProfBuf(const ProfBuf&) = delete;
  ProfBuf& operator=(const ProfBuf&) = delete;
  ProfBuf(ProfBuf&&) = delete;
  ProfBuf& operator=(ProfBuf&&) = delete;

  // Writer side. Appends one record, or counts it as discarded when the ring is
  // full. Never blocks, never allocates, never locks (it may make one FUTEX_WAKE
  // system call when the reader sleeps). `tag` may be null. Throws
  // std::invalid_argument when hdr.size() > hdrsize.
  void write(const void* tag, std::uint64_t now, std::span<const std::uint64_t> hdr,
             std::span<const std::uint64_t> stk);

  struct ReadResult {
    std::span<const std::uint64_t> data;  // whole records, back to back
    std::span<const void* const> tags;    // one per record in data
    bool eof = false;                     // closed and fully drained
  };

  // Reader side. Returns the records committed since the last read (possibly fewer:
  // a read stops at the end of either ring), or a synthesized overflow record.
  // The spans stay valid until the next read(), which hands their space back to the
  // writer. With kNonBlocking and nothing to read, returns empty spans and
  // eof=false. Throws std::logic_error on a malformed ring.
  ReadResult read(ReadMode mode);

  // Writer side. No more writes will follow; once drained, reads return eof=true.
  // Throws std::logic_error on a second call.
  void close();

 private:
  friend class ProfBufTestPeer;  // tests: inspect flags, corrupt the ring

  static constexpr std::uint64_t kReaderSleeping = std::uint64_t{1} << 32;
  static constexpr std::uint64_t kWriteExtra = std::uint64_t{1} << 33;

  bool can_write_record(std::uint64_t br, std::uint64_t bw, std::size_t nstk) const;
  bool can_write_two_records(std::uint64_t br, std::uint64_t bw, std::size_t nstk1,
                             std::size_t nstk2) const;
  std::uint64_t write_record(std::uint64_t bw, const void* tag, std::uint64_t now,
                             std::span<const std::uint64_t> hdr,
                             std::span<const std::uint64_t> stk);
  void increment_overflow(std::uint64_t now);
  bool take_overflow(std::uint32_t& count, std::uint64_t& time);
  enum class ReaderOverflow { kNone, kTaken, kRetry };
  ReaderOverflow take_overflow_if_empty(std::uint64_t br, std::uint32_t& count,
                                        std::uint64_t& time);
  // read(), in three parts: give the previous read's space back; the ring is
  // empty (overflow, EOF, sleep); records to hand out. The two on the path of
  // every read are inlined into it (defined in profbuf.cpp, its only user).
  [[gnu::always_inline]] inline void release_previous_read(std::uint64_t br);
  enum class EmptyStep { kReturn, kRetry };
  EmptyStep read_empty(std::uint64_t br, std::uint64_t bw, ReadMode mode, ReadResult& out);
  [[gnu::always_inline]] inline ReadResult read_records(std::uint64_t br, std::uint64_t bw,
                                                        std::int64_t num_data);
  void wakeup_extra();
  void wake_reader();
  void sleep_reader(std::uint32_t seen_seq);

  // --- atomic, shared by both sides. Each group on its own cache line so that the
  // writer's stores to w do not evict the line the writer reads r from, and the
  // reader's stores to r do not evict w.
  //
  // w: written by the writer (commit CAS, wakeup_extra CAS) and by the reader (flag
  // CASes); counts change only on the writer side.
  alignas(64) std::atomic<std::uint64_t> w_{0};
  // Futex word: the writer bumps it before FUTEX_WAKE; the reader sleeps on it.
  std::atomic<std::uint32_t> wake_seq_{0};
  // r: stored by the reader only (release), loaded by the writer (acquire).
  alignas(64) std::atomic<std::uint64_t> r_{0};
  // Pending overflow: raised by the writer, taken by either side.
  alignas(64) std::atomic<std::uint64_t> overflow_{0};
  std::atomic<std::uint64_t> overflow_time_{0};
  // Set once by close() (writer side), read by the reader.
  std::atomic<std::uint32_t> eof_{0};

  // --- immutable after construction (the ring contents are not: their ownership
  // moves between the sides through r and w as described above).
  alignas(64) const std::size_t hdrsize_;
  std::size_t data_size_;  // power of two
  std::size_t tag_size_;   // power of two
  std::vector<std::uint64_t> data_;
  std::vector<const void*> tags_;

  // --- reader-owned: touched only by read().
  std::uint64_t r_next_ = 0;                 // packed index, end of the last read
  std::vector<std::uint64_t> overflow_buf_;  // a synthesized overflow record
};

}  // namespace profbufd
