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
      pages_(limits.page_entries), bins_(1) {}

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

Status TableStore::write_rules() {
  for (; rules_written_ < rules_.size(); ++rules_written_)
    if (Status s = io_.put_rule(rules_written_, rules_.rule(rules_written_)); !s) return s;
  return ok_status();
}

Result<TableStore::Published> TableStore::publish(std::uint32_t bin, const CfiTable& t) {
  auto layout = lay_out(t, rules_);
  if (!layout) return layout.error();
  if (Status s = write_rules(); !s) return s.error();
  const std::uint32_t blocks = std::max<std::uint32_t>(blocks_for(layout->rows.size()), 1);
  const std::uint32_t npages = std::max<std::uint32_t>(
      static_cast<std::uint32_t>(layout->pages.size()), 1);
  switch (make_room(blocks, npages, bin)) {
    case Room::kNow: break;
    case Room::kLater:
      return Published{0, std::max(blocks_.quarantine_end_ns(), pages_.quarantine_end_ns())};
    case Room::kNever:
      ++no_room_;
      bins_[bin].desc.state = UW_BIN_EVICTED;
      (void)io_.put_bin(bin, bins_[bin].desc);
      return no_room();
  }
  const std::uint32_t first_block = *blocks_.allocate(blocks);
  const std::uint32_t first_page = *pages_.allocate(npages);
  if (Status s = write_table(bin, *layout, first_block, first_page); !s) {
    blocks_.release(first_block, blocks, clock_.monotonic_ns());
    pages_.release(first_page, npages, clock_.monotonic_ns());
    return s.error();
  }
  bins_[bin].blocks = blocks;
  bins_[bin].rows = static_cast<std::uint32_t>(layout->rows.size());
  return Published{kernel_bytes(*layout), 0};
}

Status TableStore::write_table(std::uint32_t bin, const TableLayout& t, std::uint32_t first_block,
                               std::uint32_t first_page) {
  const std::uint32_t row_first = first_block * UW_ROWS_PER_BLOCK;
  uw_block block{};
  for (std::size_t i = 0; i < t.rows.size(); i += UW_ROWS_PER_BLOCK) {
    const std::size_t n = std::min<std::size_t>(UW_ROWS_PER_BLOCK, t.rows.size() - i);
    std::fill(std::begin(block.row), std::end(block.row), 0u);
    std::copy_n(t.rows.begin() + static_cast<std::ptrdiff_t>(i), n, block.row);
    const auto index = static_cast<std::uint32_t>(first_block + i / UW_ROWS_PER_BLOCK);
    if (Status s = io_.put_block(index, block); !s) return s;
  }
  std::vector<uw_page> pages = t.pages;
  for (uw_page& p : pages) p.first_row += row_first;
  if (Status s = io_.put_pages(first_page, pages.data(), static_cast<std::uint32_t>(pages.size()));
      !s)
    return s;
  // The descriptor twice: its location with the old state, then READY. A
  // walker reads the state first (bpf/unwind.bpf.h), so it never sees READY
  // with half-written fields.
  uw_bin& d = bins_[bin].desc;
  d.base = t.base;
  d.end = t.end;
  d.page_first = first_page;
  d.n_pages = static_cast<std::uint32_t>(pages.size());
  d.row_first = row_first;
  if (Status s = io_.put_bin(bin, d); !s) return s;
  d.state = UW_BIN_READY;
  return io_.put_bin(bin, d);
}

// Frees room for `blocks` row blocks and `pages` page entries, evicting tables
// (never `keep`): unmapped ones first, then the least recently used. Evicted
// room is quarantined: kLater when the table fits only once that has passed.
TableStore::Room TableStore::make_room(std::uint32_t blocks, std::uint32_t pages,
                                       std::uint32_t keep) {
  blocks_.reclaim(clock_.monotonic_ns());
  pages_.reclaim(clock_.monotonic_ns());
  while (!blocks_.fits_after_quarantine(blocks) || !pages_.fits_after_quarantine(pages)) {
    std::uint32_t victim = 0;
    for (std::uint32_t i = 1; i < bins_.size(); ++i) {
      const Bin& b = bins_[i];
      if (i == keep || b.blocks == 0) continue;
      const Bin& v = bins_[victim];
      if (victim == 0 || (b.refs == 0) > (v.refs == 0) ||
          ((b.refs == 0) == (v.refs == 0) && b.last_used < v.last_used))
        victim = i;
    }
    if (victim == 0) return Room::kNever;
    evict(victim);
  }
  const bool now = blocks_.largest_free() >= blocks && pages_.largest_free() >= pages;
  return now ? Room::kNow : Room::kLater;
}

void TableStore::evict(std::uint32_t bin) {
  Bin& b = bins_[bin];
  if (b.blocks == 0) return;
  b.desc.state = UW_BIN_EVICTED;
  (void)io_.put_bin(bin, b.desc);  // the walker stops reading it at once
  const std::uint64_t now = clock_.monotonic_ns();
  blocks_.release(b.desc.row_first / UW_ROWS_PER_BLOCK, b.blocks, now);
  pages_.release(b.desc.page_first, std::max<std::uint32_t>(b.desc.n_pages, 1), now);
  b.blocks = 0;
  ++evictions_;
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

void TableStore::maintain() {
  blocks_.reclaim(clock_.monotonic_ns());
  pages_.reclaim(clock_.monotonic_ns());
}

TableStoreStats TableStore::stats() const {
  TableStoreStats s;
  s.capacity_bytes = std::uint64_t{limits_.row_blocks} * sizeof(uw_block) +
                     std::uint64_t{limits_.page_entries} * sizeof(uw_page);
  for (std::uint32_t i = 1; i < bins_.size(); ++i) {
    const Bin& b = bins_[i];
    if (b.key.empty()) continue;
    ++s.binaries;
    if (b.desc.state != UW_BIN_READY) continue;
    ++s.ready;
    s.rows += b.rows;
    s.used_bytes += std::uint64_t{b.blocks} * sizeof(uw_block) + b.desc.n_pages * sizeof(uw_page);
  }
  s.evictions = evictions_;
  s.no_room = no_room_;
  s.rules = rules_.size();
  return s;
}

}  // namespace profbufd::unwind
