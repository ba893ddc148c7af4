#include "python/code_reader.h"

#include <array>
#include <cstring>

namespace profbufd::python {
namespace {

constexpr std::size_t kHeaderBytes = 256;  // covers every offset of an ObjectLayout

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;  // not a scalar value
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

template <typename T>
T field(const std::array<std::uint8_t, kHeaderBytes>& h, std::size_t off) {
  T v{};
  if (off + sizeof(T) <= h.size()) std::memcpy(&v, h.data() + off, sizeof(T));
  return v;
}

// Code points of `width` bytes each (1: Latin-1, 2: UCS-2, 4: UCS-4) as UTF-8.
void decode(const std::vector<std::uint8_t>& raw, unsigned width, std::string& out) {
  for (std::size_t i = 0; i + width <= raw.size(); i += width) {
    std::uint32_t cp = 0;
    std::memcpy(&cp, raw.data() + i, width);  // little-endian, as x86-64 keeps them
    append_utf8(out, cp);
  }
}

bool read_bytes(Memory& mem, const ObjectLayout& l, std::uint64_t addr,
                std::vector<std::uint8_t>& out) {
  std::int64_t size = 0;
  if (!addr || !mem.read(addr + l.bytes_size, &size, sizeof size)) return false;
  if (size < 0 || static_cast<std::uint64_t>(size) > kMaxLineTableBytes) return false;
  out.resize(static_cast<std::size_t>(size));
  return mem.read(addr + l.bytes_data, out.data(), out.size());
}

}  // namespace

bool read_str(Memory& mem, const ObjectLayout& l, std::uint64_t addr, std::string& out) {
  std::array<std::uint8_t, kHeaderBytes> h{};
  if (!addr || !mem.read(addr, h.data(), l.str_compact_data)) return false;
  const auto length = field<std::int64_t>(h, l.str_length);
  const auto state = field<std::uint32_t>(h, l.str_state);
  const unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
  if (length < 0 || !compact || (kind != 1 && kind != 2 && kind != 4)) return false;
  if (ascii && kind != 1) return false;
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(length), kMaxNameChars);
  std::vector<std::uint8_t> raw(n * kind);
  if (!mem.read(addr + (ascii ? l.str_ascii_data : l.str_compact_data), raw.data(), raw.size()))
    return false;
  out.clear();
  decode(raw, kind, out);
  if (n < static_cast<std::size_t>(length)) out += "...";
  return true;
}

CodeRead read_code(Memory& mem, const Layout& layout, std::uint64_t addr, std::uint32_t tag) {
  CodeRead r;
  std::array<std::uint8_t, kHeaderBytes> h{};
  const ObjectLayout& l = layout.objects;
  if (!mem.read(addr, h.data(), layout.walker.code_adaptive)) {
    r.error = CodeError::kUnreadable;
    return r;
  }
  std::array<std::int32_t, PY_CODE_READ / 4> tagged{};
  std::memcpy(tagged.data(), h.data() + layout.walker.code_tag, PY_CODE_READ);
  if (py_code_tag(tagged.data()) != tag) {
    r.error = CodeError::kStale;
    return r;
  }
  r.code.firstlineno = field<std::int32_t>(h, l.code_firstlineno);
  const bool named = read_str(mem, l, field<std::uint64_t>(h, l.code_qualname), r.code.qualname) &&
                     read_str(mem, l, field<std::uint64_t>(h, l.code_filename), r.code.filename);
  if (!named || !read_bytes(mem, l, field<std::uint64_t>(h, l.code_linetable), r.code.linetable))
    r.error = CodeError::kMalformed;
  return r;
}

}  // namespace profbufd::python
