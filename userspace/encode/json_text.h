// Appending JSON text to a string, for writers that stream a document instead
// of building a tree: string escaping (RFC 8259, with bytes that are not
// valid UTF-8 replaced by U+FFFD, so the output is always valid JSON) and
// numbers. The output matches nlohmann::json::dump(-1, ' ', false, replace)
// byte for byte: raw UTF-8, the two-letter escapes \b \f \n \r \t \" \\, and
// \u00XX for the other control characters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace profbufd::json_text {

// `s` as a quoted JSON string.
void append_string(std::string& out, std::string_view s);

void append_number(std::string& out, std::int64_t v);
void append_number(std::string& out, std::uint64_t v);

// "0x..." (quoted): addresses, which exceed the 2^53 a JSON number read as a
// double holds.
void append_hex_string(std::string& out, std::uint64_t v);

}  // namespace profbufd::json_text
