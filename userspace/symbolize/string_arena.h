// Many short strings stored back to back in one buffer, addressed by a 32-bit
// offset. Symbol tables hold 10^5..10^6 names; one std::string each would cost a
// heap block and 32 bytes of header per name, the arena costs the characters plus
// one NUL. Offsets (not pointers or string_views) are handed out because the
// buffer moves when it grows.
//
// Invariant: every offset returned by add() stays valid until clear(); the string
// at an offset ends at the next NUL.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace profbufd::symbolize {

class StringArena {
 public:
  using Offset = std::uint32_t;

  // Appends `s` (which must not contain NUL: symbol names never do) and returns
  // where it starts. Throws std::length_error past 4 GiB, which no symbol table
  // reaches: that would be a broken invariant, not an input error.
  Offset add(std::string_view s) {
    if (buf_.size() + s.size() + 1 > UINT32_MAX) {
      throw std::length_error("StringArena: more than 4 GiB of names");
    }
    const auto at = static_cast<Offset>(buf_.size());
    buf_.insert(buf_.end(), s.begin(), s.end());
    buf_.push_back('\0');
    return at;
  }

  // Room for `more` bytes of names (their NULs included) beyond those held, in
  // one allocation of exactly that size: a table whose size is known up front
  // is built without the doubling growth (and the old and the new buffer
  // alive at once) that appending alone costs.
  void reserve(std::size_t more) { buf_.reserve(buf_.size() + more); }

  std::string_view get(Offset at) const {
    // c_str() semantics: the view ends at the NUL add() wrote.
    return std::string_view(buf_.data() + at);
  }

  std::size_t bytes() const { return buf_.capacity(); }
  void shrink_to_fit() { buf_.shrink_to_fit(); }
  void clear() { buf_.clear(); }

 private:
  std::vector<char> buf_;  // std::vector: its reserve() allocates exactly
};

}  // namespace profbufd::symbolize
