#include "kinds/heap/libc_path.h"

#include "common/file_text.h"

namespace profbufd::kinds::heap {
namespace {

bool is_libc_name(std::string_view base) {
  if (base == "libc.so.6") return true;
  return base.starts_with("libc-") && base.ends_with(".so");
}

}  // namespace

std::optional<std::string> find_libc(std::string_view maps_text) {
  while (!maps_text.empty()) {
    const std::string_view line = next_line(maps_text);
    // "start-end perms offset dev inode   path": the path starts at the first '/'.
    const std::size_t slash = line.find('/');
    if (slash == std::string_view::npos) continue;
    std::string_view path = line.substr(slash);
    if (path.ends_with(" (deleted)")) continue;
    const std::size_t last = path.rfind('/');
    if (is_libc_name(path.substr(last + 1))) return std::string(path);
  }
  return std::nullopt;
}

}  // namespace profbufd::kinds::heap
