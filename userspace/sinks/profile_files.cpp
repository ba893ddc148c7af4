#include "sinks/profile_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "sinks/atomic_file.h"
#include "encode/json_writer.h"
#include "encode/render.h"
#include "encode/time_format.h"

namespace profbufd {
namespace {

constexpr std::string_view kPrefix = "profbufd-";
constexpr std::array kAllFormats = {OutputFormat::kPprof, OutputFormat::kJson,
                                    OutputFormat::kFolded};

// "YYYYMMDDTHHMMSS.mmmZ": exactly what format_file_stamp_utc produces.
bool is_file_stamp(std::string_view s) {
  constexpr std::string_view kShape = "ddddddddTdddddd.dddZ";
  if (s.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != kShape[i])
      return false;
  }
  return true;
}

constexpr std::size_t kStampSize = 20;  // "YYYYMMDDTHHMMSS.mmmZ"

// What lies between the prefix and the stamp: "" (cpu) or "block-".
std::string_view stem_kind(std::string_view stem) {
  return stem.substr(kPrefix.size(), stem.size() - kPrefix.size() - kStampSize);
}

}  // namespace

std::string window_stem(std::int64_t start_unix_ns, std::string_view kind) {
  std::string stem(kPrefix);
  if (!kind.empty() && kind != "cpu") stem += std::string(kind) + "-";
  return stem + format_file_stamp_utc(start_unix_ns);
}

std::optional<std::string> parse_profile_file_name(std::string_view file_name) {
  if (!file_name.starts_with(kPrefix)) return std::nullopt;
  for (OutputFormat f : kAllFormats) {
    const std::string_view ext = extension(f);
    if (!file_name.ends_with(ext)) continue;
    const std::string_view stem = file_name.substr(0, file_name.size() - ext.size());
    if (stem.size() < kPrefix.size() + kStampSize) continue;
    const std::string_view kind = stem_kind(stem);
    const bool kind_ok =
        kind.empty() || (kind.size() > 1 && kind.back() == '-' &&
                         std::all_of(kind.begin(), kind.end() - 1,
                                     [](char c) { return c >= 'a' && c <= 'z'; }));
    if (kind_ok && is_file_stamp(stem.substr(stem.size() - kStampSize))) return std::string(stem);
  }
  return std::nullopt;
}

namespace {

Status write_format(const std::string& dir, const std::string& name, const Profile& profile,
                    OutputFormat f) {
  // JSON is the largest format by far (every stack spells its frames out): it
  // is written as it is rendered, never held whole.
  if (f == OutputFormat::kJson)
    return write_file_atomically_in_pieces(
        dir, name, [&profile](const PieceWriter& write) { render_json_in_pieces(profile, write); });
  Result<std::string> bytes = render(profile, f);
  if (!bytes) return bytes.error();
  return write_file_atomically(dir, name, *bytes);
}

}  // namespace

Result<std::vector<std::string>> write_window(const std::string& dir,
                                              const Profile& profile,
                                              const std::vector<OutputFormat>& formats) {
  const std::string stem = window_stem(profile.metadata.start_unix_ns, profile.metadata.kind);
  std::vector<std::string> written;
  std::set<OutputFormat> done;
  for (OutputFormat f : formats) {
    if (!done.insert(f).second) continue;
    const std::string name = stem + std::string(extension(f));
    if (Status st = write_format(dir, name, profile, f); !st) return st.error();
    written.push_back(dir + "/" + name);
  }
  return written;
}

Result<std::vector<std::string>> prune_windows(const std::string& dir,
                                               std::size_t keep_windows) {
  std::vector<std::string> removed;
  if (keep_windows == 0) return removed;

  DIR* d = ::opendir(dir.c_str());
  if (!d)
    return make_error(ExitCode::kWriteFailed, "pruning old profiles in " + dir,
                      std::strerror(errno));
  // stem -> its files; greater stem = newer window.
  std::map<std::string, std::vector<std::string>, std::greater<>> windows;
  const int dfd = ::dirfd(d);
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    std::optional<std::string> stem = parse_profile_file_name(e->d_name);
    struct stat st;
    // No symlink following: a link named like a profile is not ours to judge.
    if (stem && ::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode))
      windows[*stem].emplace_back(e->d_name);
    errno = 0;
  }
  // A partial listing may miss newer windows, and pruning from it could delete
  // windows that should be kept: delete nothing.
  if (const int read_err = errno; read_err != 0) {
    ::closedir(d);
    return make_error(ExitCode::kWriteFailed, "pruning old profiles in " + dir,
                      std::string("readdir: ") + std::strerror(read_err));
  }

  std::optional<Error> first_error;
  std::map<std::string, std::size_t, std::less<>> kept;  // per kind
  for (auto& [stem, files] : windows) {
    std::size_t& n = kept[std::string(stem_kind(stem))];
    if (n < keep_windows) {
      ++n;
      continue;
    }
    for (const std::string& f : files) {
      if (::unlinkat(dfd, f.c_str(), 0) == 0) {
        removed.push_back(f);
      } else if (errno != ENOENT && !first_error) {
        first_error = make_error(ExitCode::kWriteFailed, "removing " + dir + "/" + f,
                                 std::strerror(errno));
      }
    }
  }
  ::closedir(d);
  if (first_error) return *first_error;
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace profbufd
