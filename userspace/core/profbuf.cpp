// ProfBuf implementation. The invariants (I1..I4), the record layout and the packed
// index format are described at the top of profbuf.h; this file names, for every
// atomic access, the access on the other side it pairs with.
//
// Memory-order summary (W = writer thread, R = reader thread):
//
//   data/tag ring words written by W  --W: release CAS on w_ (commit)-->
//                                     --R: acquire load of w_-->  R reads them.
//   ring space (and nulled tags) released by R  --R: release store of r_-->
//                                     --W: acquire load of r_-->  W overwrites them.
//   overflow_time_ written by W  --W: release store of overflow_ (0 -> non-0)-->
//                                --R: acquire load of overflow_-->  R reads the time.
//   eof_ / overflow_ published by W  --W: release CAS on w_ (wakeup_extra)-->
//                                    --R: acquire load of w_-->  R sees them.
//   R's load of wake_seq_  --R: release CAS setting kReaderSleeping on w_-->
//                          --W: acquire (acq_rel) CAS on w_ that sees the flag-->
//                          W's increment of wake_seq_ (so R cannot have read it).

#include "core/profbuf.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace profbufd {
namespace {

// Ring sizes and header sizes stay below 2^28 so that the 30-bit tag count and
// intermediate sums in the free-space arithmetic stay exact.
constexpr std::size_t kMaxSize = std::size_t{1} << 28;

constexpr std::uint32_t data_count(std::uint64_t x) { return static_cast<std::uint32_t>(x); }
constexpr std::uint32_t tag_count(std::uint64_t x) { return static_cast<std::uint32_t>(x >> 34); }

// x - y for two data counts (32-bit) or two tag counts (30-bit), sign-extended from
// 30 bits. Exact because the counts are never more than one ring (< 2^28) apart.
constexpr std::int64_t count_sub(std::uint32_t x, std::uint32_t y) {
  return static_cast<std::int32_t>((x - y) << 2) >> 2;
}

// x advanced by `data` data words and `tag` tags, with both flag bits cleared.
constexpr std::uint64_t add_counts_and_clear_flags(std::uint64_t x, std::uint64_t data,
                                                   std::uint64_t tag) {
  const std::uint64_t tags = ((x >> 34) + (tag & ((std::uint64_t{1} << 30) - 1))) << 34;
  return tags | static_cast<std::uint32_t>(data_count(x) + static_cast<std::uint32_t>(data));
}

constexpr std::uint32_t overflow_count(std::uint64_t overflow) {
  return static_cast<std::uint32_t>(overflow);
}
// The value that clears the count and starts the next generation.
constexpr std::uint64_t next_generation(std::uint64_t overflow) {
  return ((overflow >> 32) + 1) << 32;
}

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Always-null tag returned alongside a synthesized overflow record.
const void* const kOverflowTag[1] = {nullptr};

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the futex word must be a plain 32-bit word");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "write() must not take a lock");

}  // namespace

ProfBuf::ProfBuf(std::size_t hdrsize, std::size_t bufwords, std::size_t tags)
    : hdrsize_(hdrsize) {
  if (hdrsize >= kMaxSize) {
    throw std::invalid_argument("ProfBuf: header of " + std::to_string(hdrsize) +
                                " words is too large");
  }
  // Room for at least the overflow record, so a pending overflow can always drain.
  bufwords = std::max(bufwords, 2 + hdrsize + 1);
  if (bufwords >= kMaxSize || tags >= kMaxSize) {
    throw std::invalid_argument("ProfBuf: buffer too large (" + std::to_string(bufwords) +
                                " words, " + std::to_string(tags) + " tags; limit 2^28)");
  }
  data_size_ = round_up_pow2(bufwords);
  tag_size_ = round_up_pow2(tags);
  data_.assign(data_size_, 0);
  tags_.assign(tag_size_, nullptr);
  overflow_buf_.assign(2 + hdrsize_ + 1, 0);
}

// Writer side. br must come from an acquire load of r_ (so the space it reports
// free really is released), bw from w_ (the writer owns the counts in it).
bool ProfBuf::can_write_record(std::uint64_t br, std::uint64_t bw, std::size_t nstk) const {
  const auto ntags = static_cast<std::int64_t>(tag_size_);
  if (count_sub(tag_count(br), tag_count(bw)) + ntags < 1) return false;

  const auto size = static_cast<std::int64_t>(data_size_);
  std::int64_t free = count_sub(data_count(br), data_count(bw)) + size;
  const std::size_t want = 2 + hdrsize_ + nstk;
  const std::size_t i = data_count(bw) & (data_size_ - 1);
  if (i + want > data_size_) free -= size - static_cast<std::int64_t>(i);  // rewind
  return want <= data_size_ && free >= static_cast<std::int64_t>(want);
}

// As can_write_record, for two records written back to back; each must be
// contiguous, but the second may rewind to the start of the ring.
bool ProfBuf::can_write_two_records(std::uint64_t br, std::uint64_t bw, std::size_t nstk1,
                                    std::size_t nstk2) const {
  const auto ntags = static_cast<std::int64_t>(tag_size_);
  if (count_sub(tag_count(br), tag_count(bw)) + ntags < 2) return false;

  const auto size = static_cast<std::int64_t>(data_size_);
  std::int64_t free = count_sub(data_count(br), data_count(bw)) + size;
  std::size_t i = data_count(bw) & (data_size_ - 1);

  std::size_t want = 2 + hdrsize_ + nstk1;
  if (i + want > data_size_) {
    free -= size - static_cast<std::int64_t>(i);
    i = 0;
  }
  i += want;
  free -= static_cast<std::int64_t>(want);

  want = 2 + hdrsize_ + nstk2;
  if (want > data_size_) return false;
  if (i + want > data_size_) {
    free -= size - static_cast<std::int64_t>(i);
  }
  return free >= static_cast<std::int64_t>(want);
}

void ProfBuf::write(const void* tag, std::uint64_t now, std::span<const std::uint64_t> hdr,
                    std::span<const std::uint64_t> stk) {
  if (hdr.size() > hdrsize_) {
    throw std::invalid_argument("ProfBuf::write: header of " + std::to_string(hdr.size()) +
                                " words, buffer made for " + std::to_string(hdrsize_));
  }
  // Acquire pairs with the reader's release store of r_ in read(): every word and
  // tag slot the reader released is done with (and nulled) before we reuse it.
  const std::uint64_t br = r_.load(std::memory_order_acquire);
  // Relaxed: the counts in w_ change only on this thread; the reader's flag CASes
  // do not matter here.
  std::uint64_t bw = w_.load(std::memory_order_relaxed);
  // Relaxed: only a hint; take_overflow() re-reads with acquire. Only this thread
  // makes the count non-zero, so "false" is exact and "true" may be stale (the
  // reader took it), which both branches below handle.
  const bool has_overflow = overflow_count(overflow_.load(std::memory_order_relaxed)) > 0;

  if (has_overflow && can_write_two_records(br, bw, 1, stk.size())) {
    // Room for the pending overflow record and this one. Emit the overflow record
    // first, unless the reader synthesized it meanwhile.
    std::uint32_t count = 0;
    std::uint64_t time = 0;
    if (take_overflow(count, time)) {
      const std::uint64_t overflow_stk[1] = {count};
      bw = write_record(bw, nullptr, time, {}, overflow_stk);
    }
  } else if (has_overflow || !can_write_record(br, bw, stk.size())) {
    // Either an overflow is already pending (records must stay behind it) or this
    // record does not fit: count it as discarded.
    increment_overflow(now);
    wakeup_extra();
    return;
  }
  write_record(bw, tag, now, hdr, stk);
}

// Writes one record known to fit (checked by the caller against an acquired r_)
// at bw, the writer's current counts in w_, and commits it. Returns the committed
// counts (flags clear), for a second record written right after.
std::uint64_t ProfBuf::write_record(std::uint64_t bw, const void* tag, std::uint64_t now,
                                    std::span<const std::uint64_t> hdr,
                                    std::span<const std::uint64_t> stk) {
  // I3: the slot is null, so a null tag needs no store.
  if (tag != nullptr) tags_[tag_count(bw) & (tag_size_ - 1)] = tag;

  const std::size_t len = 2 + hdrsize_ + stk.size();
  std::size_t wd = data_count(bw) & (data_size_ - 1);
  std::size_t skip = 0;
  if (wd + len > data_size_) {
    data_[wd] = 0;  // rewind marker
    skip = data_size_ - wd;
    wd = 0;
  }
  std::uint64_t* d = data_.data() + wd;
  d[0] = len;
  d[1] = now;
  if (!hdr.empty()) std::memcpy(d + 2, hdr.data(), hdr.size() * sizeof(std::uint64_t));
  std::fill(d + 2 + hdr.size(), d + 2 + hdrsize_, std::uint64_t{0});
  if (!stk.empty()) {
    std::memcpy(d + 2 + hdrsize_, stk.data(), stk.size() * sizeof(std::uint64_t));
  }

  // Commit. The CAS races only with the reader's flag updates, never with counts.
  // Release: publishes the words and tag above to the reader's acquire load of w_.
  // Acquire: if we see kReaderSleeping, the reader's release CAS that set it is
  // ordered before our wake_seq_ increment, so the value the reader is about to
  // futex-wait on is older than ours (no lost wakeup, see read()).
  std::uint64_t old = bw;
  std::uint64_t next;
  do {
    next = add_counts_and_clear_flags(old, skip + len, 1);
  } while (!w_.compare_exchange_weak(old, next, std::memory_order_acq_rel,
                                     std::memory_order_relaxed));
  if (old & kReaderSleeping) wake_reader();
  return next;
}

// Writer side: counts one discarded write at time `now`.
void ProfBuf::increment_overflow(std::uint64_t now) {
  // Acquire pairs with the reader's acq_rel CAS in take_overflow_if_empty(): if we
  // see the count it cleared, its load of overflow_time_ happened before, so our
  // store of a new time below cannot leak into the record it is building.
  std::uint64_t overflow = overflow_.load(std::memory_order_acquire);
  for (;;) {
    if (overflow_count(overflow) == 0) {
      // Count 0 is stable: only this thread makes it non-zero. Store the time first,
      // then publish it with the release store of the count (paired with the
      // acquire load of overflow_ in take_overflow / take_overflow_if_empty).
      overflow_time_.store(now, std::memory_order_relaxed);
      overflow_.store(next_generation(overflow) + 1, std::memory_order_release);
      return;
    }
    // Sticky at 2^32-1 rather than wrapping to a count of 0.
    if (overflow_count(overflow) == UINT32_MAX) return;
    // Races with the other side clearing the count; on failure `overflow` is
    // reloaded (acquire, as above) and we retry. No release needed on success: the
    // time was published by the store that made the count non-zero, and this CAS
    // continues that store's release sequence. (Acquire because a CAS's failure
    // order may not be stronger than its success order in g++.)
    if (overflow_.compare_exchange_weak(overflow, overflow + 1, std::memory_order_acquire,
                                        std::memory_order_acquire)) {
      return;
    }
  }
}

// Writer side: takes the pending overflow, if any. Returns false when there was
// none (the reader took it first).
bool ProfBuf::take_overflow(std::uint32_t& count, std::uint64_t& time) {
  // Acquire pairs with the release store in increment_overflow(): the time stored
  // before the count became non-zero is visible. (Here the writer reads back its
  // own stores, but the same code is correct from either side.)
  std::uint64_t overflow = overflow_.load(std::memory_order_acquire);
  for (;;) {
    count = overflow_count(overflow);
    if (count == 0) return false;
    time = overflow_time_.load(std::memory_order_relaxed);
    // Success means the generation did not move since we loaded `overflow`, so the
    // time belongs to this count. acq_rel/acquire as in take_overflow_if_empty.
    if (overflow_.compare_exchange_weak(overflow, next_generation(overflow),
                                        std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      return true;
    }
  }
}

// Reader side: takes the pending overflow only while the ring is still empty at
// br. kTaken: count/time hold it. kNone: there is none. kRetry: records arrived or
// the writer changed the overflow meanwhile; look at the ring again.
//
// Go's reader checks "ring empty" and then takes the overflow; a writer that runs
// in between can commit records and then overflow, and the overflow record would be
// returned before records written earlier. Here the order is reversed: load the
// overflow (acquire), then check the ring. Records written before that overflow
// began were committed (release CAS on w_) before the count was published (release
// store), so the acquire load of overflow_ makes them visible to the w_ load below;
// and while the generation stays the same the writer writes no records at all
// (it must take the overflow first), which the CAS checks.
ProfBuf::ReaderOverflow ProfBuf::take_overflow_if_empty(std::uint64_t br,
                                                         std::uint32_t& count,
                                                         std::uint64_t& time) {
  std::uint64_t overflow = overflow_.load(std::memory_order_acquire);
  count = overflow_count(overflow);
  if (count == 0) return ReaderOverflow::kNone;
  time = overflow_time_.load(std::memory_order_relaxed);
  if (data_count(w_.load(std::memory_order_acquire)) != data_count(br)) {
    return ReaderOverflow::kRetry;  // records first
  }
  // Release (pairs with the acquire load in increment_overflow): our time load
  // above is ordered before any new time the writer stores after seeing count 0.
  // On failure the writer added to the count or took it: look again.
  return overflow_.compare_exchange_strong(overflow, next_generation(overflow),
                                           std::memory_order_acq_rel,
                                           std::memory_order_relaxed)
             ? ReaderOverflow::kTaken
             : ReaderOverflow::kRetry;
}

// Writer side: after publishing overflow_ or eof_, flag it in w_ so that a reader
// deciding to sleep notices (its CAS on w_ fails), and wake a sleeping reader.
void ProfBuf::wakeup_extra() {
  std::uint64_t old = w_.load(std::memory_order_relaxed);
  // Release pairs with the reader's acquire load of w_: overflow_/eof_ stores before
  // this are visible once the reader sees this value. Acquire: as in write_record.
  // Unlike Go we also clear kReaderSleeping: the wake below consumes that sleep,
  // and a reader that sleeps again sets the flag again; this keeps one FUTEX_WAKE
  // per sleep when many writes are discarded in a row.
  while (!w_.compare_exchange_weak(old, (old | kWriteExtra) & ~kReaderSleeping,
                                   std::memory_order_acq_rel, std::memory_order_relaxed)) {
  }
  if (old & kReaderSleeping) wake_reader();
}

void ProfBuf::close() {
  // exchange, not load+store, so that a double close is always detected. Release:
  // pairs with the reader's acquire load of eof_ (also published by wakeup_extra).
  if (eof_.exchange(1, std::memory_order_release) != 0) {
    throw std::logic_error("ProfBuf::close: already closed");
  }
  wakeup_extra();
}

void ProfBuf::wake_reader() {
  // The reader compares wake_seq_ to the value it read before setting
  // kReaderSleeping; changing it makes a FUTEX_WAIT that has not started yet return
  // at once, and FUTEX_WAKE wakes one that has. Relaxed is enough: what orders this
  // after the reader's load is the acq_rel CAS on w_ before it (see write_record).
  wake_seq_.fetch_add(1, std::memory_order_relaxed);
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_seq_), FUTEX_WAKE_PRIVATE, 1,
          nullptr, nullptr, 0);
}

void ProfBuf::sleep_reader(std::uint32_t seen_seq) {
  // Returns on a wake, on a changed word (EAGAIN), or spuriously (EINTR); the caller
  // re-checks w_ in every case, so the result needs no inspection.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&wake_seq_), FUTEX_WAIT_PRIVATE,
          seen_seq, nullptr, nullptr, 0);
}

void ProfBuf::release_previous_read(std::uint64_t br) {
  // Hand the previous read's records back to the writer. Null their tags first (I3),
  // then publish r_: the release store pairs with the writer's acquire load of r_,
  // so the writer sees the nulls and our reads of the data are done before it
  // overwrites them. Relaxed load: only this thread stores r_.
  const std::uint64_t r_prev = r_.load(std::memory_order_relaxed);
  if (r_prev == br) return;
  const std::int64_t ntag = count_sub(tag_count(br), tag_count(r_prev));
  std::size_t ti = tag_count(r_prev) & (tag_size_ - 1);
  for (std::int64_t i = 0; i < ntag; ++i) {
    tags_[ti] = nullptr;
    ti = (ti + 1) & (tag_size_ - 1);
  }
  r_.store(br, std::memory_order_release);
}

ProfBuf::EmptyStep ProfBuf::read_empty(std::uint64_t br, std::uint64_t bw, ReadMode mode,
                                       ReadResult& out) {
  std::uint32_t count = 0;
  std::uint64_t time = 0;
  const ReaderOverflow taken = take_overflow_if_empty(br, count, time);
  if (taken == ReaderOverflow::kRetry) return EmptyStep::kRetry;
  if (taken == ReaderOverflow::kTaken) {
    std::uint64_t* dst = overflow_buf_.data();
    dst[0] = 2 + hdrsize_ + 1;
    dst[1] = time;
    std::fill(dst + 2, dst + 2 + hdrsize_, std::uint64_t{0});
    dst[2 + hdrsize_] = count;
    out = {std::span<const std::uint64_t>(overflow_buf_), kOverflowTag, false};
    return EmptyStep::kReturn;
  }
  // Acquire pairs with close()'s release exchange.
  if (eof_.load(std::memory_order_acquire) != 0) {
    out = {{}, {}, true};
    return EmptyStep::kReturn;
  }
  if (bw & kWriteExtra) {
    // The writer published overflow or EOF since we last looked; the checks
    // above have seen it. Clear the notice and look again; if the CAS fails, w_
    // changed, and we look again anyway. Relaxed: nothing is published by it.
    std::uint64_t expected = bw;
    w_.compare_exchange_strong(expected, bw & ~kWriteExtra, std::memory_order_relaxed,
                               std::memory_order_relaxed);
    return EmptyStep::kRetry;
  }
  if (mode == ReadMode::kNonBlocking) {
    out = {{}, {}, false};
    return EmptyStep::kReturn;
  }

  // Sleep protocol. Read the futex word BEFORE announcing the sleep. Release on
  // the CAS: orders that load before it, and the writer's CAS that sees the flag
  // is acquire, so the writer's later wake_seq_ increment cannot be what we read.
  // Then either the writer's CAS came first (ours fails: w_ differs from bw,
  // since every writer CAS changes counts or sets kWriteExtra, which bw lacks) or
  // it comes after and sees the flag, bumps wake_seq_ and wakes us; the kernel
  // compares the word with seq atomically with queueing us, so the bump is seen
  // either by that comparison or by FUTEX_WAKE.
  const std::uint32_t seq = wake_seq_.load(std::memory_order_relaxed);
  std::uint64_t expected = bw;
  if (w_.compare_exchange_strong(expected, bw | kReaderSleeping, std::memory_order_release,
                                 std::memory_order_relaxed))
    sleep_reader(seq);
  return EmptyStep::kRetry;
}

ProfBuf::ReadResult ProfBuf::read_records(std::uint64_t br, std::uint64_t bw,
                                          std::int64_t num_data) {
  // Records in [br, bw). Stop at the end of the data ring; a 0 word there means
  // the writer rewound and the records continue at offset 0.
  const std::size_t start = data_count(br) & (data_size_ - 1);
  const std::uint64_t* data = data_.data() + start;
  auto len = static_cast<std::int64_t>(data_size_ - start);
  if (len > num_data) {
    len = num_data;
  } else {
    num_data -= len;  // what remains after the wrap
  }
  std::size_t skip = 0;
  if (data[0] == 0) {
    skip = static_cast<std::size_t>(len);
    data = data_.data();
    len = std::min(static_cast<std::int64_t>(data_size_), num_data);
  }

  const std::int64_t ntag = count_sub(tag_count(bw), tag_count(br));
  if (ntag <= 0 || ntag > static_cast<std::int64_t>(tag_size_)) {
    throw std::logic_error("ProfBuf::read: malformed ring: tag and data out of sync");
  }
  const std::size_t tstart = tag_count(br) & (tag_size_ - 1);
  const std::int64_t tlen = std::min(static_cast<std::int64_t>(tag_size_ - tstart), ntag);

  // Whole records until the data or the tags run out. They are in step in the
  // ring (I4), but either ring may wrap first; the rest comes with the next read.
  std::int64_t di = 0;
  std::int64_t ti = 0;
  while (di < len && data[di] != 0 && ti < tlen) {
    if (data[di] > static_cast<std::uint64_t>(len - di)) {
      throw std::logic_error("ProfBuf::read: malformed ring: invalid record size");
    }
    di += static_cast<std::int64_t>(data[di]);
    ++ti;
  }

  r_next_ = add_counts_and_clear_flags(br, skip + static_cast<std::size_t>(di),
                                       static_cast<std::uint64_t>(ti));
  return {std::span<const std::uint64_t>(data, static_cast<std::size_t>(di)),
          std::span<const void* const>(tags_.data() + tstart, static_cast<std::size_t>(ti)),
          false};
}

ProfBuf::ReadResult ProfBuf::read(ReadMode mode) {
  const std::uint64_t br = r_next_;
  release_previous_read(br);
  for (;;) {
    // Acquire pairs with the writer's release CASes on w_ (write_record commit,
    // wakeup_extra): the committed words/tags and published overflow_/eof_ are
    // visible.
    const std::uint64_t bw = w_.load(std::memory_order_acquire);
    const std::int64_t num_data = count_sub(data_count(bw), data_count(br));
    if (num_data < 0 || num_data > static_cast<std::int64_t>(data_size_)) {
      throw std::logic_error("ProfBuf::read: malformed ring: write index out of range");
    }
    if (num_data > 0) return read_records(br, bw, num_data);
    ReadResult out;
    if (read_empty(br, bw, mode, out) == EmptyStep::kReturn) return out;
  }
}

}  // namespace profbufd
