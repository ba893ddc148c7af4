// The unwind tables in the kernel: which binary has which bin id, where its
// rows, page entries and rules lie in the fixed pools (uw_rows, uw_pages,
// uw_rules), and which
// binaries give their room back when the pools are full.
//
// Publication (bpf/unwind.h): a new binary's bin is written PENDING at once, so
// processes can refer to it before its table exists (their frames fall back to
// frame pointers, counted as pending); publish() writes the rows, pages and
// rules, then the descriptor, state last. A READY table never changes in place: to
// take its room back it is marked EVICTED first, and its extents wait out the
// allocator's quarantine before anyone else's rows go there.
//
// Bounded: the pools are sized once (--unwind-table-memory). When a table does
// not fit, the least recently used tables go, those no live process maps
// first. Bin ids are taken back from binaries no live process maps.
//
// Not thread-safe: the unwinder's thread owns it (stats() is copied out under
// the unwinder's own lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "unwind/extent_allocator.h"
#include "unwind/map_io.h"
#include "unwind/table_layout.h"

namespace profbufd::unwind {

struct TableStoreStats {
  std::uint64_t capacity_bytes = 0;  // rows + page entries + rules the pools hold
  std::uint64_t used_bytes = 0;      // of those, taken by READY tables (whole blocks)
  std::uint64_t rows = 0;            // rows of READY tables
  std::uint64_t binaries = 0;        // with a bin id
  std::uint64_t ready = 0;
  std::uint64_t evictions = 0;       // tables whose room was taken back
  std::uint64_t no_room = 0;         // tables that did not fit even after evicting
  std::uint64_t rules = 0;           // of READY tables (each binary has its own)
};

class TableStore {
 public:
  struct Limits {
    std::uint32_t row_blocks = 0;    // uw_rows entries (UW_ROWS_PER_BLOCK rows each)
    std::uint32_t page_entries = 0;  // uw_pages entries
    std::uint32_t rule_entries = 0;  // uw_rules entries
  };

  TableStore(MapIo& io, Limits limits, const Clock& clock);

  // The bin of binary `key`; a new one is written PENDING and *fresh set.
  // nullopt when every bin id is taken by a binary some live process maps.
  std::optional<std::uint32_t> bin(const std::string& key, bool& fresh);
  uw_bin_state state(std::uint32_t bin) const;
  // `bin` is still binary `key`'s (a bin id goes to another binary once no
  // live process maps the first).
  bool owns(std::uint32_t bin, const std::string& key) const {
    return bin < bins_.size() && bins_[bin].key == key;
  }

  // What publish() did: loaded the table (`bytes` of kernel memory), or made
  // room that becomes reusable at `retry_at_ns` (the evicted tables'
  // quarantine): publish again then.
  struct Published {
    std::size_t bytes = 0;
    std::uint64_t retry_at_ns = 0;
  };

  // Lays out and loads `t` for a PENDING or EVICTED bin, evicting others if it
  // does not fit. An error leaves the bin without a table: no room even with
  // every other table evicted (EVICTED, counted), a table beyond the format
  // (NO_TABLE), or a failed write (the state it had).
  Result<Published> publish(std::uint32_t bin, const CfiTable& t);

  // A build of `bin`'s table failed (its process exited before the file could
  // be opened): marked EVICTED, so the next process that maps the binary
  // queues it again. A bin with a table keeps it.
  void abandon(std::uint32_t bin);
  // `bin`'s table cannot be built at all (beyond the walker's format): its
  // frames are walked as where no CFI exists, and it is not queued again.
  void mark_no_table(std::uint32_t bin);

  // A live process maps `bin` (ref) or stopped mapping it (unref). Ref'ing
  // also marks it used now, for the LRU order.
  void ref(std::uint32_t bin);
  void unref(std::uint32_t bin);

  // Housekeeping: quarantined room becomes free again.
  void maintain();

  TableStoreStats stats() const;

 private:
  // Units of each pool a table takes (or, in Bin, holds: blocks 0 is none).
  struct Extents {
    std::uint32_t blocks = 0, pages = 0, rules = 0;
  };
  struct Bin {
    std::string key;
    uw_bin desc{};
    std::uint32_t refs = 0;
    std::uint64_t last_used = 0;
    Extents held;
    std::uint32_t rows = 0;
  };

  enum class Room { kNow, kLater, kNever };
  Room make_room(const Extents& need, std::uint32_t keep);
  std::uint32_t lru_victim(std::uint32_t keep) const;
  void reclaim();
  void release(const uw_bin& at, const Extents& held);
  void evict(std::uint32_t bin);
  std::optional<std::uint32_t> free_bin_id();
  Status write_table(std::uint32_t bin, const TableLayout& t, const uw_bin& at);

  MapIo& io_;
  const Limits limits_;
  const Clock& clock_;
  ExtentAllocator blocks_;
  ExtentAllocator pages_;
  ExtentAllocator rules_;
  std::vector<Bin> bins_;  // index = bin id; 0 is "no table"
  std::unordered_map<std::string, std::uint32_t> by_key_;
  std::uint64_t evictions_ = 0, no_room_ = 0;
};

}  // namespace profbufd::unwind
