// The windows the file sink (and the store of recent profiles) receive: one per
// kind written to files, opened at the start of the run, rotated at every
// boundary of the schedule (core/window_schedule.h), ended with the run.
//
// Threads: every method runs on the run loop's thread; the reader and the
// publisher are called through their own thread-safe entry points.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "core/reader.h"
#include "kinds/kind.h"
#include "sinks/publisher.h"

namespace profbufd {

class FileWindows {
 public:
  // `kinds`: one window each; `sinks`: where their profiles go. Everything
  // referenced must outlive this object.
  FileWindows(Reader& reader, Publisher& publisher, std::vector<const kinds::Kind*> kinds,
              Publisher::Sinks sinks, std::size_t ncpu_slots);

  // Opens the first windows at `start_ns` (wall clock `start_unix_ns`). They
  // take everything the ring held from before (sampling began at attach).
  void open(std::uint64_t start_ns, std::int64_t start_unix_ns);
  // Books a rotation at `at_ns` (called `lead` ahead of it): the current
  // windows end there and the next ones start there.
  void book(std::uint64_t at_ns);
  // At the booked boundary: the ended windows' books end and the new windows'
  // books begin.
  void boundary();
  // The run ends now: closes the books of every window still open. The reader's
  // finish() then gives them their final end.
  void end();

 private:
  std::shared_ptr<Window> make(const kinds::Kind& kind, std::uint64_t start_ns,
                               std::int64_t start_unix_ns) const;
  Reader::OnClosed on_closed() const;
  static void end_books(std::vector<std::shared_ptr<Window>>& windows);

  Reader& reader_;
  Publisher& publisher_;
  const std::vector<const kinds::Kind*> kinds_;
  const Publisher::Sinks sinks_;
  const std::size_t nslots_;
  std::uint64_t start_ns_ = 0;
  std::int64_t start_unix_ns_ = 0;
  std::vector<std::shared_ptr<Window>> current_;  // parallel to kinds_
  std::vector<std::shared_ptr<Window>> ended_;    // booked to end, books still open
};

}  // namespace profbufd
