#include "metrics/process_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/fd.h"
#include "common/file_text.h"

namespace profbufd::metrics {
namespace {

Error proc_error(std::string what, std::string why) {
  return make_error(ExitCode::kRuntime, std::move(what), std::move(why));
}

// Splits off the next space-separated token.
std::string_view next_token(std::string_view& s) {
  const std::size_t start = s.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(start);
  const std::size_t end = std::min(s.find(' '), s.size());
  const std::string_view token = s.substr(0, end);
  s.remove_prefix(end);
  return token;
}

bool parse_u64(std::string_view token, std::uint64_t& out) {
  const auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  return ec == std::errc() && p == token.data() + token.size() && !token.empty();
}

}  // namespace

Result<ProcPidStat> parse_proc_pid_stat(std::string_view text) {
  const std::string what = "/proc/<pid>/stat";
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos || text.find('(') > close)
    return proc_error(what, "no \"(comm)\" field");
  std::string_view rest = text.substr(close + 1);

  // Field n (1-based, proc(5)) is token n-3 after the ')': token 0 is field 3.
  constexpr int kFirst = 3, kUtime = 14, kStime = 15, kStart = 22, kVsize = 23, kRss = 24;
  ProcPidStat stat;
  for (int field = kFirst; field <= kRss; ++field) {
    const std::string_view token = next_token(rest);
    if (token.empty())
      return proc_error(what, "line ends at field " + std::to_string(field) +
                                  ", expected at least " + std::to_string(kRss));
    std::uint64_t* out = nullptr;
    switch (field) {
      case kUtime: out = &stat.utime_ticks; break;
      case kStime: out = &stat.stime_ticks; break;
      case kStart: out = &stat.starttime_ticks; break;
      case kVsize: out = &stat.vsize_bytes; break;
      case kRss: out = &stat.rss_pages; break;
      default: continue;
    }
    if (!parse_u64(token, *out))
      return proc_error(what, "field " + std::to_string(field) + " is not a number: \"" +
                                  std::string(token) + "\"");
  }
  return stat;
}

Result<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
  while (!proc_stat.empty()) {
    const std::size_t nl = std::min(proc_stat.find('\n'), proc_stat.size());
    std::string_view line = proc_stat.substr(0, nl);
    proc_stat.remove_prefix(std::min(nl + 1, proc_stat.size()));
    if (next_token(line) != "btime") continue;
    std::uint64_t btime = 0;
    if (!parse_u64(next_token(line), btime) || !next_token(line).empty())
      return proc_error("/proc/stat", "malformed btime line");
    return btime;
  }
  return proc_error("/proc/stat", "no btime line");
}

Result<std::string> read_proc_file(const std::string& path) {
  FileText f = read_file_text(path);
  if (f.err != 0) return proc_error(path, std::strerror(f.err));
  return std::move(f.text);
}

Result<std::uint64_t> count_open_fds(const std::string& fd_dir, bool self) {
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return proc_error(fd_dir, std::strerror(errno));
  // The directory stream holds a descriptor of its own, listed among the others.
  const std::string own = self ? std::to_string(::dirfd(dir)) : std::string();
  std::uint64_t count = 0;
  errno = 0;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == ".." || (self && name == own)) continue;
    ++count;
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) return proc_error(fd_dir, std::strerror(err));
  return count;
}

}  // namespace profbufd::metrics
