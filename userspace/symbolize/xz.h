// xz decompression (liblzma) of an in-memory buffer, bounded: for
// MiniDebugInfo, the xz-compressed ELF file of symbols some distributions
// (Fedora, RHEL) embed in their binaries as .gnu_debugdata. The section is the
// profiled binary's, so it is hostile input: the output and the decoder's
// memory are capped, and anything but a whole, valid .xz stream is nullopt.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace profbufd::symbolize {

// MiniDebugInfo holds symbols only: a few MiB at most for the largest binaries.
inline constexpr std::size_t kMaxMiniDebugInfoBytes = 64u << 20;

std::optional<std::string> xz_decompress(std::string_view in,
                                         std::size_t max_out = kMaxMiniDebugInfoBytes);

}  // namespace profbufd::symbolize
