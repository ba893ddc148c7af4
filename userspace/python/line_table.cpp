#include "python/line_table.h"

namespace profbufd::python {
namespace {

// Reads entries of a location table, bounded by its size.
class Cursor {
 public:
  explicit Cursor(std::span<const std::uint8_t> t) : t_(t) {}
  bool done() const { return at_ >= t_.size(); }
  std::uint8_t byte() { return at_ < t_.size() ? t_[at_++] : 0; }
  // The next byte starts an entry (bit 7) or the table is over.
  bool at_entry() const { return done() || (t_[at_] & 0x80) != 0; }
  // A varint's bytes never have bit 7 set; false if one runs into the next
  // entry or past the end, or is longer than 32 bits can hold.
  bool varint(std::uint32_t& out) {
    std::uint32_t v = 0;
    for (unsigned shift = 0; shift < 32; shift += 6) {
      if (at_entry()) return false;
      const std::uint8_t b = byte();
      v |= std::uint32_t{b & 63u} << shift;
      if ((b & 64) == 0) {
        out = v;
        return true;
      }
    }
    return false;
  }
  bool svarint(std::int32_t& out) {
    std::uint32_t u = 0;
    if (!varint(u)) return false;
    out = (u & 1) ? -static_cast<std::int32_t>(u >> 1) : static_cast<std::int32_t>(u >> 1);
    return true;
  }
  bool skip(unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      if (at_entry()) return false;
      ++at_;
    }
    return true;
  }

 private:
  std::span<const std::uint8_t> t_;
  std::size_t at_ = 0;
};

// The line delta of one entry whose first byte was `first`; false if malformed.
// `has_line` is false for an entry with no location.
bool entry_delta(Cursor& c, std::uint8_t first, std::int32_t& delta, bool& has_line) {
  const unsigned code = (first >> 3) & 15;
  has_line = code != 15;
  delta = 0;
  std::uint32_t ignored = 0;
  switch (code) {
    case 15: return true;
    case 14:
      return c.svarint(delta) && c.varint(ignored) && c.varint(ignored) && c.varint(ignored);
    case 13: return c.svarint(delta);
    case 10: case 11: case 12:
      delta = static_cast<std::int32_t>(code) - 10;
      return c.skip(2);
    default: return c.skip(1);
  }
}

}  // namespace

std::optional<std::int32_t> line_of(std::span<const std::uint8_t> table, std::int32_t firstlineno,
                                    std::uint32_t index) {
  Cursor c(table);
  std::int64_t line = firstlineno;
  std::uint64_t unit = 0;  // the first code unit of the entry
  while (!c.done()) {
    const std::uint8_t first = c.byte();
    if ((first & 0x80) == 0) return std::nullopt;  // not the start of an entry
    std::int32_t delta = 0;
    bool has_line = false;
    if (!entry_delta(c, first, delta, has_line)) return std::nullopt;
    line += delta;
    if (line < 0 || line > INT32_MAX) return std::nullopt;
    const std::uint64_t end = unit + (first & 7) + 1;
    if (index < end) return has_line ? std::optional<std::int32_t>(static_cast<std::int32_t>(line))
                                     : std::nullopt;
    unit = end;
  }
  return std::nullopt;
}

}  // namespace profbufd::python
