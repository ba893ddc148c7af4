#include "unwind/table_store.h"

#include <algorithm>
#include <limits>

namespace profbufd::unwind {
namespace {

std::uint32_t blocks_for(std::size_t rows) {
  return static_cast<std::uint32_t>((rows + UW_ROWS_PER_BLOCK - 1) / UW_ROWS_PER_BLOCK);
}

Error no_room() {
  return make_error(ExitCode::kRuntime, "unwind table", "does not fit in --unwind-table-memory",
                    "raise --unwind-table-memory");
}

}  // namespace

TableStore::TableStore(MapIo& io, Limits limits, const Clock& clock)
    : io_(io), limits_(limits), clock_(clock), blocks_(limits.row_blocks),
      pages_(limits.page_entries), rules_(limits.rule_entries), bins_(1) {}

std::optional<std::uint32_t> TableStore::bin(const std::string& key, bool& fresh) {
  fresh = false;
  if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;
  const std::optional<std::uint32_t> id = free_bin_id();
  if (!id) return std::nullopt;
  Bin& b = bins_[*id];
  b = Bin{};
  b.key = key;
  b.desc.state = UW_BIN_PENDING;
  b.last_used = clock_.monotonic_ns();
  (void)io_.clear_demand(*id);  // counted for the binary that had the id before
  if (!io_.put_bin(*id, b.desc)) return std::nullopt;
  by_key_.emplace(key, *id);
  fresh = true;
  return id;
}

// A new id, or the id of a binary no live process maps (its table goes).
std::optional<std::uint32_t> TableStore::free_bin_id() {
  if (bins_.size() < UW_MAX_BINS) {
    bins_.emplace_back();
    return static_cast<std::uint32_t>(bins_.size() - 1);
  }
  std::uint32_t victim = 0;
  for (std::uint32_t i = 1; i < bins_.size(); ++i)
    if (bins_[i].refs == 0 && (victim == 0 || bins_[i].last_used < bins_[victim].last_used))
      victim = i;
  if (victim == 0) return std::nullopt;
  evict(victim);
  by_key_.erase(bins_[victim].key);
  return victim;
}

uw_bin_state TableStore::state(std::uint32_t bin) const {
  return bin < bins_.size() ? static_cast<uw_bin_state>(bins_[bin].desc.state) : UW_BIN_EMPTY;
}

Result<TableStore::Published> TableStore::publish(std::uint32_t bin, const CfiTable& t) {
  auto layout = lay_out(t);
  if (!layout) {
    mark_no_table(bin);
    return layout.error();
  }
  const auto at_least_one = [](std::size_t n) {
    return std::max<std::uint32_t>(static_cast<std::uint32_t>(n), 1);
  };
  const Extents need{at_least_one(blocks_for(layout->rows.size())),
                     at_least_one(layout->pages.size()), at_least_one(layout->rules.size())};
  switch (make_room(need, bin)) {
    case Room::kNow: break;
    case Room::kLater:
      return Published{0, std::max({blocks_.quarantine_end_ns(), pages_.quarantine_end_ns(),
                                    rules_.quarantine_end_ns()})};
    case Room::kNever:
      ++no_room_;
      bins_[bin].desc.state = UW_BIN_EVICTED;
      (void)io_.put_bin(bin, bins_[bin].desc);
      return no_room();
  }
  uw_bin at{};
  at.row_first = *blocks_.allocate(need.blocks) * UW_ROWS_PER_BLOCK;
  at.page_first = *pages_.allocate(need.pages);
  at.rule_first = *rules_.allocate(need.rules);
  if (Status s = write_table(bin, *layout, at); !s) {
    release(at, need);
    return s.error();
  }
  bins_[bin].held = need;
  bins_[bin].rows = static_cast<std::uint32_t>(layout->rows.size());
  return Published{kernel_bytes(*layout), 0};
}

// Writes the table's rows, pages and rules where `at` says, then its
// descriptor.
Status TableStore::write_table(std::uint32_t bin, const TableLayout& t, const uw_bin& at) {
  uw_block block{};
  for (std::size_t i = 0; i < t.rows.size(); i += UW_ROWS_PER_BLOCK) {
    const std::size_t n = std::min<std::size_t>(UW_ROWS_PER_BLOCK, t.rows.size() - i);
    std::fill(std::begin(block.row_bytes), std::end(block.row_bytes), std::uint8_t{0});
    for (std::size_t j = 0; j < n; ++j) pack_row(t.rows[i + j], &block.row_bytes[j * UW_ROW_BYTES]);
    const auto index = static_cast<std::uint32_t>((at.row_first + i) / UW_ROWS_PER_BLOCK);
    if (Status s = io_.put_block(index, block); !s) return s;
  }
  std::vector<uw_page> pages = t.pages;
  for (uw_page& p : pages) p.first_row += at.row_first;
  if (Status s = io_.put_pages(at.page_first, pages.data(), static_cast<std::uint32_t>(pages.size()));
      !s)
    return s;
  if (Status s = io_.put_rules(at.rule_first, t.rules.data(),
                               static_cast<std::uint32_t>(t.rules.size()));
      !s)
    return s;
  // The descriptor twice: its location with the old state, then READY. A
  // walker reads the state first (bpf/unwind.bpf.h), so it never sees READY
  // with half-written fields.
  uw_bin& d = bins_[bin].desc;
  d.base = t.base;
  d.end = t.end;
  d.page_first = at.page_first;
  d.n_pages = static_cast<std::uint32_t>(pages.size());
  d.row_first = at.row_first;
  d.rule_first = at.rule_first;
  d.n_rules = static_cast<std::uint32_t>(t.rules.size());
  if (Status s = io_.put_bin(bin, d); !s) return s;
  uw_bin ready = d;
  ready.state = UW_BIN_READY;
  if (Status s = io_.put_bin(bin, ready); !s) return s;  // the bin stays as it was
  d = ready;
  return ok_status();
}

// Frees room for `need`, evicting tables (never `keep`): unmapped ones first,
// then the least recently used. Evicted room is quarantined: kLater when the
// table fits only once that has passed.
TableStore::Room TableStore::make_room(const Extents& need, std::uint32_t keep) {
  // Larger than a whole pool: evicting every other table would not help.
  if (need.blocks > blocks_.units() || need.pages > pages_.units() || need.rules > rules_.units())
    return Room::kNever;
  reclaim();
  while (!blocks_.fits_after_quarantine(need.blocks) || !pages_.fits_after_quarantine(need.pages) ||
         !rules_.fits_after_quarantine(need.rules)) {
    const std::uint32_t victim = lru_victim(keep);
    if (victim == 0) return Room::kNever;
    evict(victim);
  }
  const bool now = blocks_.largest_free() >= need.blocks && pages_.largest_free() >= need.pages &&
                   rules_.largest_free() >= need.rules;
  return now ? Room::kNow : Room::kLater;
}

// The table to evict next: one no live process maps, the least recently used
// first; 0 when none but `keep` holds room.
std::uint32_t TableStore::lru_victim(std::uint32_t keep) const {
  std::uint32_t victim = 0;
  for (std::uint32_t i = 1; i < bins_.size(); ++i) {
    const Bin& b = bins_[i];
    if (i == keep || b.held.blocks == 0) continue;
    const Bin& v = bins_[victim];
    if (victim == 0 || (b.refs == 0) > (v.refs == 0) ||
        ((b.refs == 0) == (v.refs == 0) && b.last_used < v.last_used))
      victim = i;
  }
  return victim;
}

void TableStore::reclaim() {
  const std::uint64_t now = clock_.monotonic_ns();
  blocks_.reclaim(now);
  pages_.reclaim(now);
  rules_.reclaim(now);
}

void TableStore::release(const uw_bin& at, const Extents& held) {
  const std::uint64_t now = clock_.monotonic_ns();
  blocks_.release(at.row_first / UW_ROWS_PER_BLOCK, held.blocks, now);
  pages_.release(at.page_first, held.pages, now);
  rules_.release(at.rule_first, held.rules, now);
}

void TableStore::evict(std::uint32_t bin) {
  Bin& b = bins_[bin];
  if (b.held.blocks == 0) return;
  b.desc.state = UW_BIN_EVICTED;
  (void)io_.put_bin(bin, b.desc);  // the walker stops reading it at once
  release(b.desc, b.held);
  b.held = Extents{};
  ++evictions_;
}

void TableStore::abandon(std::uint32_t bin) {
  if (bin == 0 || bin >= bins_.size() || bins_[bin].desc.state != UW_BIN_PENDING) return;
  bins_[bin].desc.state = UW_BIN_EVICTED;
  (void)io_.put_bin(bin, bins_[bin].desc);
}

void TableStore::mark_no_table(std::uint32_t bin) {
  if (bin == 0 || bin >= bins_.size() || bins_[bin].desc.state == UW_BIN_READY) return;
  bins_[bin].desc.state = UW_BIN_NO_TABLE;
  (void)io_.put_bin(bin, bins_[bin].desc);
}

void TableStore::ref(std::uint32_t bin) {
  if (bin == 0 || bin >= bins_.size()) return;
  ++bins_[bin].refs;
  bins_[bin].last_used = clock_.monotonic_ns();
}

void TableStore::unref(std::uint32_t bin) {
  if (bin == 0 || bin >= bins_.size() || bins_[bin].refs == 0) return;
  --bins_[bin].refs;
}

void TableStore::maintain() { reclaim(); }

TableStoreStats TableStore::stats() const {
  TableStoreStats s;
  s.capacity_bytes = std::uint64_t{limits_.row_blocks} * sizeof(uw_block) +
                     std::uint64_t{limits_.page_entries} * sizeof(uw_page) +
                     std::uint64_t{limits_.rule_entries} * sizeof(uw_rule);
  for (std::uint32_t i = 1; i < bins_.size(); ++i) {
    const Bin& b = bins_[i];
    if (b.key.empty()) continue;
    ++s.binaries;
    if (b.desc.state != UW_BIN_READY) continue;
    ++s.ready;
    s.rows += b.rows;
    s.rules += b.desc.n_rules;
    s.used_bytes += std::uint64_t{b.held.blocks} * sizeof(uw_block) +
                    std::uint64_t{b.held.pages} * sizeof(uw_page) +
                    std::uint64_t{b.held.rules} * sizeof(uw_rule);
  }
  s.evictions = evictions_;
  s.no_room = no_room_;
  return s;
}

}  // namespace profbufd::unwind
