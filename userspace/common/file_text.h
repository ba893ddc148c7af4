// Reading a small file (procfs, sysfs, a fixture) whole. The caller turns a
// failure into its own Error: what an errno means depends on the file (ENOENT
// under /proc/PID is "the process exited", EACCES on kallsyms is a privilege).
#pragma once

#include <string>
#include <string_view>

namespace profbufd {

struct FileText {
  std::string text;
  int err = 0;  // errno of the failed open or read; 0 when `text` is the whole file
};

FileText read_file_text(const std::string& path);

// Takes the first line off `text` and returns it without its '\n' (the last
// line need not end in one): `while (!text.empty()) { auto line =
// next_line(text); ... }` sees every line of a file's text, blank ones too.
inline std::string_view next_line(std::string_view& text) {
  const std::size_t nl = text.find('\n');
  const std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  return line;
}

}  // namespace profbufd
