// A minimal protocol-buffers wire-format encoder: just what profile.proto needs
// (varints, length-delimited strings and nested messages, packed repeated
// integers). Hand-written, as Go's runtime/pprof does, because the pprof message
// is small and fixed and a protobuf library would cost a code generator and a
// runtime dependency for ~100 lines of encoding.
//
// Wire format recap (https://protobuf.dev/programming-guides/encoding/):
//   key    = varint(field_number << 3 | wire_type)
//   varint = 7 bits per byte, least significant group first, high bit = "more"
//   LEN    = key, varint(byte length), payload  (strings, messages, packed)
//
// Nested messages are written in place: start_message() remembers where the
// payload begins, end_message() inserts the key and length in front of it once
// the length is known. Invariant: start/end calls nest like parentheses and
// the `start` passed to end_message() is the value start_message() returned
// for that message; violating it throws std::logic_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace profbufd::proto {

class Encoder {
 public:
  // Scalars. The *_opt variants skip the field when it has its default value
  // (0 / false), as proto3 does; the others always write it.
  void uint64(std::uint32_t field, std::uint64_t v);
  void uint64_opt(std::uint32_t field, std::uint64_t v);
  void int64(std::uint32_t field, std::int64_t v);
  void int64_opt(std::uint32_t field, std::int64_t v);
  void bool_opt(std::uint32_t field, bool v);

  // Length-delimited bytes; always written, even when empty (a string table
  // entry "" must still occupy its index).
  void bytes(std::uint32_t field, std::string_view v);

  // Packed repeated integers; nothing is written for an empty list.
  void packed_uint64s(std::uint32_t field, std::span<const std::uint64_t> vs);
  void packed_int64s(std::uint32_t field, std::span<const std::int64_t> vs);

  // Nested message: `auto m = start_message(); ...fields...; end_message(f, m);`
  std::size_t start_message();
  void end_message(std::uint32_t field, std::size_t start);

  const std::string& data() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  enum WireType : std::uint32_t { kVarint = 0, kLen = 2 };
  void key(std::uint32_t field, WireType type);
  void varint(std::uint64_t v);

  std::string buf_;
  std::size_t open_messages_ = 0;  // start_message() calls not yet ended
};

// Appends the varint encoding of v to out. Exposed for the encoder's tests.
void append_varint(std::string& out, std::uint64_t v);

}  // namespace profbufd::proto
