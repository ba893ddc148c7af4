#include "common/log.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>

namespace profbufd::log {
namespace {

bool journald() {
  static const bool on = std::getenv("JOURNAL_STREAM") != nullptr;
  return on;
}

const char* word(Level l) {
  switch (l) {
    case Level::kError: return "error: ";
    case Level::kWarning: return "warning: ";
    case Level::kInfo: return "";
    case Level::kDebug: return "debug: ";
  }
  return "";
}

}  // namespace

void write(Level level, std::string_view message) {
  std::string line;
  if (journald()) {
    line = "<" + std::to_string(static_cast<int>(level)) + ">";
  } else {
    line = "profbufd: ";
    line += word(level);
  }
  line += message;
  line += '\n';
  // One write(2) per line so lines from different threads do not interleave.
  static std::mutex mu;
  std::lock_guard lock(mu);
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // stderr gone: nothing better to do with a log line
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace profbufd::log
