// What a profile kind keeps per window beyond the aggregated stacks (the CPU
// kind: idle time), created by the kind when a window opens (kinds/kind.h).
//
// Threads: note() runs on the reader thread while the window is open. begin()
// and end() run once each, on the thread that opens and ends the window (the
// run loop at a boundary, an HTTP request thread), at the window's start and
// end times, and may do I/O (they are never called under the reader's lock).
// Whoever reads the books after the hand-over (the profile builder) is ordered
// after note() by the reader's lock; an implementation must order begin() and
// end() itself (the CPU kind's books take a mutex).
#pragma once

#include <cstdint>
#include <span>

#include "core/record.h"

namespace profbufd {

class WindowBooks {
 public:
  virtual ~WindowBooks() = default;
  // A record of the window's kind, of time `time_ns`, was routed to the
  // window (RecordHeader::unpack(header) reads it), under the StackTable key
  // `stack` (valid for the call only; the heap kind's in-use books keep it).
  virtual void note(HeaderWords header, std::uint64_t time_ns,
                    std::span<const std::uint64_t> stack) {
    (void)header;
    (void)time_ns;
    (void)stack;
  }
  // The window's time begins now (a file window may be open in the reader a
  // little before its start: rotations are booked ahead).
  virtual void begin() {}
  // The window ends now.
  virtual void end() {}
};

}  // namespace profbufd
