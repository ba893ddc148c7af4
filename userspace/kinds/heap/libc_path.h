// Which file a process maps as its C library, from the text of its
// /proc/PID/maps: where the heap kind's uprobes go (malloc, calloc, realloc
// are looked up in that file's symbols by libbpf).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace profbufd::kinds::heap {

// The path of the first file-backed mapping named libc.so.6 or
// libc-<version>.so (glibc), as the process sees it (inside its mount
// namespace); nullopt when it maps none (static binary, musl's ld-musl).
std::optional<std::string> find_libc(std::string_view maps_text);

}  // namespace profbufd::kinds::heap
