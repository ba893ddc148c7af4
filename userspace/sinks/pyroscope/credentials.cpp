#include "sinks/pyroscope/credentials.h"

#include <sys/stat.h>

#include <cstring>

#include "common/file_text.h"

namespace profbufd::pyroscope {

Result<std::string> read_secret_file(const std::string& flag, const std::string& path,
                                     bool& world_readable) {
  const std::string what = flag + " " + path;
  FileText f = read_file_text(path);
  if (f.err != 0)
    return make_error(ExitCode::kUsage, what, std::strerror(f.err),
                      "the file must exist and be readable by profbufd (mode 0600)");
  std::string s = std::move(f.text);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  if (s.empty())
    return make_error(ExitCode::kUsage, what, "the file is empty", "write the secret into it");
  if (s.find_first_of("\r\n") != std::string::npos)
    return make_error(ExitCode::kUsage, what, "more than one line",
                      "the file holds the secret alone, on one line");
  struct stat st{};
  world_readable = ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0;
  return s;
}

}  // namespace profbufd::pyroscope
