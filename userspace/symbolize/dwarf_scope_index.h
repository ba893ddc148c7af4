// The functions and inlined calls of one DWARF compilation unit, by address
// range: built in one walk of the CU's DIE tree, then asked per address by
// binary search. (libdw's dwarf_getscopes walks the whole CU on every call:
// milliseconds per address in a large C++ CU.)
//
// Only DW_TAG_subprogram and DW_TAG_inlined_subroutine DIEs with code are
// kept, each as its DIE offset and its ranges; an inlined call's ranges nest
// in its caller's. Namespaces and lexical blocks are walked through; types,
// variables and parameters are skipped. Depth is bounded: a hostile tree is cut, never followed forever.
#pragma once

#include <elfutils/libdw.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace profbufd::symbolize {

class DwarfScopeIndex {
 public:
  static DwarfScopeIndex build(Dwarf_Die* cu);

  // The DIE offsets of the functions whose code holds addr, outermost (the
  // out-of-line function) first, then each inlined call into it.
  std::vector<Dwarf_Off> chain(std::uint64_t addr) const;

  std::size_t memory_bytes() const {
    return entries_.capacity() * sizeof(Entry) + nodes_.capacity() * sizeof(Node);
  }

 private:
  struct Entry {  // one address range of a node
    std::uint64_t lo, hi;
    std::uint32_t node;
  };
  struct Node {
    Dwarf_Off die;
    std::uint32_t begin, end;  // its children's entries, sorted by lo
  };
  void walk(Dwarf_Die* parent, std::vector<Entry>& out, unsigned depth);
  std::uint32_t add_node(Dwarf_Die* die, unsigned depth);
  const Entry* find(std::uint32_t begin, std::uint32_t end, std::uint64_t addr) const;

  std::vector<Entry> entries_;
  std::vector<Node> nodes_;
  std::uint32_t top_begin_ = 0, top_end_ = 0;
};

}  // namespace profbufd::symbolize
