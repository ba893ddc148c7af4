// Making byte strings valid UTF-8. Thread names and symbols are bytes; some
// formats require text: proto3 `string` fields must be UTF-8 (generated
// protobuf decoders, e.g. Go's google.golang.org/protobuf used by Parca and
// Pyroscope, reject the whole profile otherwise).
#pragma once

#include <string>
#include <string_view>

namespace profbufd {

// Length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 if the
// byte there does not start one. i < s.size().
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// True if `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` with every byte that does not belong to a well-formed sequence replaced
// by U+FFFD; valid input is returned unchanged.
std::string to_valid_utf8(std::string_view s);

}  // namespace profbufd
