// The last stage for file output: a thread that takes closed windows from the
// reader, symbolizes them into a Profile and writes the files, then applies
// retention. Symbolizing (kallsyms load, ELF reads) and disk I/O happen here so
// the reader thread never stalls on them.
//
// A failed write is logged and counted; the sink keeps going and the next window
// is tried as usual. Nothing is retried for the failed window itself: its samples
// are reported in the log line (count and time range) instead.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/window.h"
#include "common/error.h"
#include "encode/format.h"
#include "model/profile_builder.h"

namespace profbufd {

class Symbolizer;

class WindowSink {
 public:
  struct Options {
    std::string output_dir;
    std::vector<OutputFormat> formats;
    unsigned keep = 0;  // newest windows to keep; 0 = all
  };

  WindowSink(Options options, ProfileContext context, Symbolizer& symbolizer);
  ~WindowSink();
  WindowSink(const WindowSink&) = delete;
  WindowSink& operator=(const WindowSink&) = delete;

  // Called on the reader thread: queues the window and returns at once.
  void push(std::shared_ptr<Window> window);
  // Writes everything queued, then stops the thread.
  void finish();

  std::uint64_t profiles_written() const;
  // Distinct stacks in the last window built (written or not).
  std::uint64_t last_unique_stacks() const;
  std::uint64_t write_errors() const;
  // The most recent write failure, if the last window failed.
  std::optional<Error> last_error() const;

 private:
  void run();
  void write_one(const Window& w);

  const Options options_;
  const ProfileContext context_;
  Symbolizer& symbolizer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Window>> queue_;  // guarded by mu_
  bool finishing_ = false;                     // guarded by mu_
  std::uint64_t written_ = 0, errors_ = 0;     // guarded by mu_
  std::uint64_t last_unique_stacks_ = 0;       // guarded by mu_
  std::optional<Error> last_error_;            // guarded by mu_
  std::thread thread_;
};

}  // namespace profbufd
