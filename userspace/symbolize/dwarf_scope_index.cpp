#include "symbolize/dwarf_scope_index.h"

#include <dwarf.h>

#include <algorithm>

#include "symbolize/dwarf_lines.h"

namespace profbufd::symbolize {
namespace {

// Namespaces, classes and blocks nest far less than this in real code.
constexpr unsigned kMaxDieDepth = 256;
// Sibling ranges should not overlap; when a compiler's do, this many earlier
// ones are checked too.
constexpr int kOverlapScan = 8;

bool is_function(int tag) {
  return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

// DIEs that may hold functions with code. Types, variables and parameters
// (most of a C++ CU) never do: a member function's code is a DIE at namespace
// level pointing at its declaration (DW_AT_specification).
bool may_hold_code(int tag) {
  return tag == DW_TAG_namespace || tag == DW_TAG_lexical_block || tag == DW_TAG_module ||
         tag == DW_TAG_try_block || tag == DW_TAG_catch_block;
}

}  // namespace

DwarfScopeIndex DwarfScopeIndex::build(Dwarf_Die* cu) {
  DwarfScopeIndex index;
  std::vector<Entry> top;
  index.walk(cu, top, 0);
  std::sort(top.begin(), top.end(), [](const Entry& a, const Entry& b) { return a.lo < b.lo; });
  index.top_begin_ = static_cast<std::uint32_t>(index.entries_.size());
  index.entries_.insert(index.entries_.end(), top.begin(), top.end());
  index.top_end_ = static_cast<std::uint32_t>(index.entries_.size());
  index.entries_.shrink_to_fit();
  index.nodes_.shrink_to_fit();
  return index;
}

// Appends to `out` the ranges of the functions under `parent` that are not
// under another function (those belong to that function's node).
void DwarfScopeIndex::walk(Dwarf_Die* parent, std::vector<Entry>& out, unsigned depth) {
  if (depth >= kMaxDieDepth) return;
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    const int tag = dwarf_tag(&child);
    if (!is_function(tag)) {
      if (may_hold_code(tag)) walk(&child, out, depth + 1);
      continue;
    }
    const std::size_t first = out.size();
    Dwarf_Addr base = 0, lo = 0, hi = 0;
    for (ptrdiff_t off = 0; (off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0;)
      if (hi > lo) out.push_back(Entry{lo, hi, 0});
    if (out.size() == first) continue;  // a declaration, or code discarded
    const std::uint32_t node = add_node(&child, depth);
    for (std::size_t i = first; i < out.size(); ++i) out[i].node = node;
  } while (dwarf_siblingof(&child, &child) == 0);
}

std::uint32_t DwarfScopeIndex::add_node(Dwarf_Die* die, unsigned depth) {
  std::vector<Entry> kids;
  walk(die, kids, depth + 1);
  std::sort(kids.begin(), kids.end(), [](const Entry& a, const Entry& b) { return a.lo < b.lo; });
  Node n{dwarf_dieoffset(die), static_cast<std::uint32_t>(entries_.size()), 0};
  entries_.insert(entries_.end(), kids.begin(), kids.end());
  n.end = static_cast<std::uint32_t>(entries_.size());
  nodes_.push_back(n);
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

const DwarfScopeIndex::Entry* DwarfScopeIndex::find(std::uint32_t begin, std::uint32_t end,
                                                    std::uint64_t addr) const {
  const auto first = entries_.begin() + begin, last = entries_.begin() + end;
  auto it = std::upper_bound(first, last, addr,
                             [](std::uint64_t a, const Entry& e) { return a < e.lo; });
  for (int i = 0; i < kOverlapScan && it != first; ++i) {
    --it;
    if (addr < it->hi) return &*it;
  }
  return nullptr;
}

std::vector<Dwarf_Off> DwarfScopeIndex::chain(std::uint64_t addr) const {
  std::vector<Dwarf_Off> out;
  std::uint32_t begin = top_begin_, end = top_end_;
  while (out.size() < kMaxInlineDepth) {
    const Entry* e = find(begin, end, addr);
    if (e == nullptr) break;
    const Node& n = nodes_[e->node];
    out.push_back(n.die);
    begin = n.begin;
    end = n.end;
  }
  return out;
}

}  // namespace profbufd::symbolize
