// Test helper: a minimal protobuf wire-format reader (varint and
// length-delimited fields only, which is all pprof uses), independent of the
// encoder under test. Throws std::runtime_error on malformed input. Shared by
// the pprof writer's tests and the encoders' fuzz target.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace profbufd::testing::wire {

struct Field {
  std::uint32_t number = 0;
  std::uint64_t varint = 0;  // wire type 0
  std::string bytes;         // wire type 2
};

inline std::uint64_t read_varint(std::string_view& s) {
  std::uint64_t v = 0;
  for (int shift = 0; !s.empty() && shift < 64; shift += 7) {
    const auto b = static_cast<unsigned char>(s.front());
    s.remove_prefix(1);
    v |= std::uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return v;
  }
  throw std::runtime_error("truncated varint");
}

inline std::vector<Field> parse(std::string_view s) {
  std::vector<Field> fields;
  while (!s.empty()) {
    const std::uint64_t key = read_varint(s);
    Field f;
    f.number = static_cast<std::uint32_t>(key >> 3);
    if ((key & 7) == 0) {
      f.varint = read_varint(s);
    } else if ((key & 7) == 2) {
      const std::uint64_t n = read_varint(s);
      if (n > s.size()) throw std::runtime_error("truncated field");
      f.bytes = s.substr(0, n);
      s.remove_prefix(n);
    } else {
      throw std::runtime_error("unexpected wire type " + std::to_string(key & 7));
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

inline std::vector<Field> all(const std::vector<Field>& fs, std::uint32_t number) {
  std::vector<Field> out;
  for (const Field& f : fs)
    if (f.number == number) out.push_back(f);
  return out;
}

inline std::uint64_t one(const std::vector<Field>& fs, std::uint32_t number) {
  const auto v = all(fs, number);
  return v.empty() ? 0 : v.back().varint;
}

inline std::vector<std::uint64_t> packed(const std::vector<Field>& fs, std::uint32_t number) {
  std::vector<std::uint64_t> out;
  for (const Field& f : all(fs, number)) {
    std::string_view s = f.bytes;
    while (!s.empty()) out.push_back(read_varint(s));
  }
  return out;
}

}  // namespace profbufd::testing::wire
