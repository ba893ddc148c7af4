// Log lines on stderr. Under systemd (JOURNAL_STREAM set) each line starts with
// the sd-daemon "<N>" priority prefix, which journald turns into the entry's
// level; on a terminal or in a file the prefix is a plain word instead.
#pragma once

#include <string_view>

namespace profbufd::log {

enum class Level { kError = 3, kWarning = 4, kInfo = 6, kDebug = 7 };

void write(Level level, std::string_view message);

inline void error(std::string_view m) { write(Level::kError, m); }
inline void warning(std::string_view m) { write(Level::kWarning, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }

}  // namespace profbufd::log
