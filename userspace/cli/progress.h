// The one-line progress display on stderr while profiling:
//   profiling 12s / 30s  samples 12,345  lost 0
// rewritten in place on a terminal, and absent otherwise (a log file or journal
// wants no carriage returns; the final summary is the caller's job).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace profbufd::cli {

struct Progress {
  std::chrono::nanoseconds elapsed{0};
  std::optional<std::chrono::nanoseconds> total;  // --duration, if any
  std::uint64_t samples = 0;  // captured
  std::uint64_t lost = 0;     // dropped anywhere on the way (ringbuf, ProfBuf)
};

// The text of the line, without control characters. Elapsed time is shown in
// whole seconds and never beyond `total` (the last tick may overshoot it);
// without a total the line says how to stop. Lost samples get their share of
// all samples when non-zero.
std::string format_progress(const Progress& p);

// Draws format_progress() on `fd` as "\r<text>\x1b[K" (carriage return, text,
// erase to end of line), only if `fd` is a terminal, decided once at
// construction. Used from one thread. Write failures (terminal gone) switch the
// line off: progress is cosmetic and must not stop a profile.
class ProgressLine {
 public:
  explicit ProgressLine(int fd);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine();  // finish()

  bool enabled() const { return enabled_; }
  void update(const Progress& p);
  // Ends a drawn line with "\n" so that later messages start on their own
  // line. Idempotent; does nothing if no line was drawn.
  void finish();

 private:
  void write_or_disable(const std::string& s);

  int fd_;
  bool enabled_;
  bool drawn_ = false;  // a line is on screen and not yet ended by finish()
};

}  // namespace profbufd::cli
