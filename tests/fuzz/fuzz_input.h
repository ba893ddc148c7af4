// Helpers shared by the libFuzzer targets in this folder (one target per
// *_fuzz.cpp; see fuzz.mk and README.md "Fuzzing").
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/fd.h"

namespace profbufd::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// `text` cut at every occurrence of `sep` (an empty piece between two
// separators is kept: argv may hold "" too).
inline std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t at = text.find(sep);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

// The bytes as an anonymous file, for the parsers that take a descriptor
// (libelf, libdw). A failure here is the harness's, not the parser's: abort.
inline Fd memfd_of(std::string_view bytes) {
  Fd fd(memfd_create("fuzz-input", MFD_CLOEXEC));
  if (!fd) std::abort();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  return fd;
}

}  // namespace profbufd::fuzz
