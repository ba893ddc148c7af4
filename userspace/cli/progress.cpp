#include "cli/progress.h"

#include <unistd.h>

#include <cerrno>

#include "cli/duration.h"

namespace profbufd::cli {
namespace {

// 1234567 -> "1,234,567".
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// lost / (samples + lost) as "0.3%", "<0.1%" below a tenth of a percent.
std::string lost_share(std::uint64_t samples, std::uint64_t lost) {
  const unsigned __int128 all = static_cast<unsigned __int128>(samples) + lost;
  const auto tenths =
      static_cast<std::uint64_t>(static_cast<unsigned __int128>(lost) * 1000 / all);
  if (tenths == 0) return "<0.1%";
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

}  // namespace

std::string format_progress(const Progress& p) {
  using std::chrono::seconds;
  std::chrono::nanoseconds elapsed = p.elapsed < std::chrono::nanoseconds(0)
                                         ? std::chrono::nanoseconds(0)
                                         : p.elapsed;
  if (p.total && elapsed > *p.total) elapsed = *p.total;
  std::string s = "profiling " + format_duration(std::chrono::duration_cast<seconds>(elapsed));
  if (p.total) s += " / " + format_duration(*p.total);
  s += "  samples " + grouped(p.samples);
  s += "  lost " + grouped(p.lost);
  if (p.lost > 0) s += " (" + lost_share(p.samples, p.lost) + ")";
  if (!p.total) s += "  (Ctrl-C to stop)";
  return s;
}

ProgressLine::ProgressLine(int fd) : fd_(fd), enabled_(::isatty(fd) == 1) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(const Progress& p) {
  if (!enabled_) return;
  write_or_disable("\r" + format_progress(p) + "\x1b[K");
  if (enabled_) drawn_ = true;
}

void ProgressLine::finish() {
  if (!enabled_ || !drawn_) return;
  drawn_ = false;
  write_or_disable("\n");
}

void ProgressLine::write_or_disable(const std::string& s) {
  const char* data = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      enabled_ = false;
      return;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace profbufd::cli
