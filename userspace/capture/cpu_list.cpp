#include "capture/cpu_list.h"
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/file_text.h"

namespace profbufd::capture {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// Parses a whole decimal CPU id; false on anything else (sign, junk, overflow).
bool parse_id(std::string_view s, int& out) {
  s = trim(s);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end && out >= 0 && out <= kMaxCpuId;
}

Error bad(std::string_view text, std::string why) {
  return make_error(ExitCode::kRuntime,
                    "CPU list \"" + std::string(trim(text)) + "\"", std::move(why));
}

}  // namespace

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  const std::string_view list = trim(text);
  if (list.empty()) return bad(text, "empty");

  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    const std::string_view item = list.substr(pos, comma - pos);
    const std::size_t dash = item.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string_view::npos) {
      if (!parse_id(item, lo)) return bad(text, "bad item \"" + std::string(item) + "\"");
      hi = lo;
    } else if (!parse_id(item.substr(0, dash), lo) ||
               !parse_id(item.substr(dash + 1), hi)) {
      return bad(text, "bad range \"" + std::string(item) + "\"");
    } else if (hi < lo) {
      return bad(text, "reversed range \"" + std::string(item) + "\"");
    }
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    pos = comma + 1;
  }

  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

Result<std::vector<int>> read_cpu_list(const std::string& path) {
  const FileText f = read_file_text(path);
  if (f.err != 0) return make_error(ExitCode::kRuntime, "reading " + path, std::strerror(f.err));
  auto cpus = parse_cpu_list(f.text);
  if (!cpus) {
    Error e = cpus.error();
    e.what = path + ": " + e.what;
    return e;
  }
  return cpus;
}

}  // namespace profbufd::capture
