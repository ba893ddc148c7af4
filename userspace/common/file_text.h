// Reading a small file (procfs, sysfs, a fixture) whole. The caller turns a
// failure into its own Error: what an errno means depends on the file (ENOENT
// under /proc/PID is "the process exited", EACCES on kallsyms is a privilege).
#pragma once

#include <string>

namespace profbufd {

struct FileText {
  std::string text;
  int err = 0;  // errno of the failed open or read; 0 when `text` is the whole file
};

FileText read_file_text(const std::string& path);

}  // namespace profbufd
