// The unwinder's BPF maps in memory: every write recorded in order, writes
// past a map's size refused as the kernel refuses them, and chosen writes
// failed on purpose. fake_walker.h reads these maps as the BPF walker does.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "unwind.h"
#include "unwind/map_io.h"

namespace profbufd::unwind::testing {

enum class Op { kProc, kDeleteProc, kBin, kPages, kBlock, kRules };

struct Call {
  Op op;
  std::uint32_t key;    // pid, bin id, first page, block index, first rule
  std::uint32_t count;  // kPages, kRules: entries
  std::uint32_t state;  // kBin: the state written
  uw_bin bin{};         // kBin: the descriptor written
};

class FakeMapIo final : public MapIo {
 public:
  FakeMapIo(std::uint32_t row_blocks, std::uint32_t page_entries, std::uint32_t rule_entries)
      : bins_(UW_MAX_BINS), pages_(page_entries), blocks_(row_blocks), rules_(rule_entries),
        rule_written_(rule_entries, false) {}

  Status put_proc(std::uint32_t pid, const uw_proc& p) override {
    if (Status s = record(Call{Op::kProc, pid, 0, 0, {}}); !s) return s;
    procs_[pid] = p;
    return ok_status();
  }
  Status delete_proc(std::uint32_t pid) override {
    if (Status s = record(Call{Op::kDeleteProc, pid, 0, 0, {}}); !s) return s;
    procs_.erase(pid);
    return ok_status();
  }
  Status put_bin(std::uint32_t id, const uw_bin& b) override {
    if (Status s = record(Call{Op::kBin, id, 0, b.state, b}); !s) return s;
    if (id >= bins_.size()) return refused("uw_bins", id);
    bins_[id] = b;
    return ok_status();
  }
  Status put_pages(std::uint32_t first, const uw_page* pages, std::uint32_t count) override {
    if (Status s = record(Call{Op::kPages, first, count, 0, {}}); !s) return s;
    if (std::uint64_t{first} + count > pages_.size()) return refused("uw_pages", first + count);
    for (std::uint32_t i = 0; i < count; ++i) pages_[first + i] = pages[i];
    return ok_status();
  }
  Status put_block(std::uint32_t index, const uw_block& b) override {
    if (Status s = record(Call{Op::kBlock, index, 0, 0, {}}); !s) return s;
    if (index >= blocks_.size()) return refused("uw_rows", index);
    blocks_[index] = b;
    return ok_status();
  }
  Status put_rules(std::uint32_t first, const uw_rule* rules, std::uint32_t count) override {
    if (Status s = record(Call{Op::kRules, first, count, 0, {}}); !s) return s;
    if (std::uint64_t{first} + count > rules_.size()) return refused("uw_rules", first + count);
    for (std::uint32_t i = 0; i < count; ++i) {
      rules_[first + i] = rules[i];
      rule_written_[first + i] = true;
    }
    return ok_status();
  }

  // Fails every later write for which `pred` holds (until cleared).
  void fail_when(std::function<bool(const Call&)> pred) { fail_ = std::move(pred); }

  const std::vector<Call>& calls() const { return calls_; }
  void clear_calls() { calls_.clear(); }
  const uw_bin& bin(std::uint32_t id) const { return bins_.at(id); }
  const std::vector<uw_page>& pages() const { return pages_; }
  const std::vector<uw_block>& blocks() const { return blocks_; }
  const std::vector<uw_rule>& rules() const { return rules_; }
  bool rule_written(std::uint32_t i) const { return i < rule_written_.size() && rule_written_[i]; }
  const std::map<std::uint32_t, uw_proc>& procs() const { return procs_; }
  const uw_proc* proc(std::uint32_t pid) const {
    const auto it = procs_.find(pid);
    return it == procs_.end() ? nullptr : &it->second;
  }

 private:
  Status record(const Call& c) {
    calls_.push_back(c);
    if (fail_ && fail_(c)) return make_error(ExitCode::kRuntime, "fake map write", "injected");
    return ok_status();
  }
  static Status refused(const char* map, std::uint64_t key) {
    return make_error(ExitCode::kRuntime, std::string("writing ") + map,
                      "key " + std::to_string(key) + " past the map's end");
  }

  std::map<std::uint32_t, uw_proc> procs_;
  std::vector<uw_bin> bins_;
  std::vector<uw_page> pages_;
  std::vector<uw_block> blocks_;
  std::vector<uw_rule> rules_;
  std::vector<bool> rule_written_;
  std::vector<Call> calls_;
  std::function<bool(const Call&)> fail_;
};

}  // namespace profbufd::unwind::testing
