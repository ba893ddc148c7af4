#include "encode/protobuf.h"

#include <stdexcept>

namespace profbufd::proto {

void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void Encoder::varint(std::uint64_t v) { append_varint(buf_, v); }

void Encoder::key(std::uint32_t field, WireType type) {
  varint((static_cast<std::uint64_t>(field) << 3) | type);
}

void Encoder::uint64(std::uint32_t field, std::uint64_t v) {
  key(field, kVarint);
  varint(v);
}

void Encoder::uint64_opt(std::uint32_t field, std::uint64_t v) {
  if (v != 0) uint64(field, v);
}

// int64 fields (not sint64) carry negative values as their two's-complement
// 64-bit pattern: ten bytes on the wire. pprof never uses sint64.
void Encoder::int64(std::uint32_t field, std::int64_t v) {
  uint64(field, static_cast<std::uint64_t>(v));
}

void Encoder::int64_opt(std::uint32_t field, std::int64_t v) {
  if (v != 0) int64(field, v);
}

void Encoder::bool_opt(std::uint32_t field, bool v) {
  if (v) uint64(field, 1);
}

void Encoder::bytes(std::uint32_t field, std::string_view v) {
  key(field, kLen);
  varint(v.size());
  buf_.append(v);
}

void Encoder::packed_uint64s(std::uint32_t field,
                             std::span<const std::uint64_t> vs) {
  if (vs.empty()) return;
  const std::size_t start = start_message();
  for (std::uint64_t v : vs) varint(v);
  end_message(field, start);
}

void Encoder::packed_int64s(std::uint32_t field,
                            std::span<const std::int64_t> vs) {
  if (vs.empty()) return;
  const std::size_t start = start_message();
  for (std::int64_t v : vs) varint(static_cast<std::uint64_t>(v));
  end_message(field, start);
}

std::size_t Encoder::start_message() {
  ++open_messages_;
  return buf_.size();
}

// Moving the payload to make room for its header costs O(payload) per message,
// so each byte moves once per nesting level: linear for pprof's depth of 3.
void Encoder::end_message(std::uint32_t field, std::size_t start) {
  if (open_messages_ == 0 || start > buf_.size())
    throw std::logic_error("proto::Encoder: end_message without start_message");
  --open_messages_;
  std::string header;
  append_varint(header, (static_cast<std::uint64_t>(field) << 3) | kLen);
  append_varint(header, buf_.size() - start);
  buf_.insert(start, header);
}

}  // namespace profbufd::proto
