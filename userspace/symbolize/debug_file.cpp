#include "symbolize/debug_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace profbufd::symbolize {
namespace {

std::string_view dirname(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

bool is_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::optional<DebugLink> parse_debug_link(std::string_view section) {
  const auto nul = section.find('\0');
  if (nul == std::string_view::npos || nul == 0) return std::nullopt;
  const std::string_view name = section.substr(0, nul);
  if (name.find('/') != std::string_view::npos || name == "." || name == "..")
    return std::nullopt;
  const std::size_t crc_at = (nul + 1 + 3) & ~std::size_t{3};
  if (crc_at + 4 > section.size()) return std::nullopt;
  std::uint32_t crc = 0;
  for (int i = 3; i >= 0; --i)
    crc = (crc << 8) | static_cast<unsigned char>(section[crc_at + static_cast<std::size_t>(i)]);
  return DebugLink{std::string(name), crc};
}

std::vector<DebugCandidate> debug_file_candidates(const std::vector<std::string>& roots,
                                                  std::string_view debug_dir,
                                                  std::string_view build_id,
                                                  std::string_view binary_path,
                                                  const std::optional<DebugLink>& link) {
  std::vector<DebugCandidate> out;
  const std::string dd(debug_dir);
  if (build_id.size() > 2 && is_hex(build_id)) {
    const std::string rel = dd + "/.build-id/" + std::string(build_id.substr(0, 2)) + "/" +
                            std::string(build_id.substr(2)) + ".debug";
    for (const std::string& root : roots) out.push_back({root + rel, false});
  }
  if (link && !binary_path.empty() && binary_path.front() == '/') {
    const std::string dir(dirname(binary_path));
    for (const std::string& root : roots) {
      out.push_back({root + dir + "/" + link->file, true});
      out.push_back({root + dir + "/.debug/" + link->file, true});
      out.push_back({root + dd + dir + "/" + link->file, true});
    }
  }
  return out;
}

std::optional<std::uint32_t> file_crc32(int fd) {
  uLong crc = crc32(0L, Z_NULL, 0);
  unsigned char buf[1 << 16];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    crc = crc32(crc, buf, static_cast<uInt>(n));
    at += n;
  }
  return static_cast<std::uint32_t>(crc);
}

Fd open_debug_file(const std::vector<DebugCandidate>& candidates, std::uint32_t crc,
                   std::string* chosen) {
  for (const DebugCandidate& c : candidates) {
    Fd fd(::open(c.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (c.check_crc && file_crc32(fd.get()) != crc) continue;
    if (chosen != nullptr) *chosen = c.path;
    return fd;
  }
  return Fd();
}

}  // namespace profbufd::symbolize
