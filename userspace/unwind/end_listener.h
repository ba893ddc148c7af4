// The execs and exits bpf/process.bpf.c reports (uw_events), for a run without
// the table walker (--unwind fp, or auto fallen back to frame pointers): there
// the Unwinder, which hears them otherwise, is not running, and without them a
// pid's first program would name every later program's samples
// (process/process_table.h). One thread polls the ring and passes each exec or
// exit on to ProcessEnds; other reports (table requests) are the walker's and
// are ignored.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include "common/error.h"
#include "process/process_ends.h"

struct ring_buffer;

namespace profbufd::unwind {

class EndListener {
 public:
  // `events_fd`: the uw_events ring (capture::SharedMap::kUwEvents), which
  // must outlive the listener.
  static Result<std::unique_ptr<EndListener>> create(int events_fd,
                                                     std::shared_ptr<ProcessEnds> ends);
  ~EndListener();
  EndListener(const EndListener&) = delete;
  EndListener& operator=(const EndListener&) = delete;

  void start();
  // Joins the thread after passing on what the ring holds. Idempotent.
  void stop();

 private:
  explicit EndListener(std::shared_ptr<ProcessEnds> ends) : ends_(std::move(ends)) {}
  static int on_event(void* ctx, void* data, std::size_t size);
  void run();

  std::shared_ptr<ProcessEnds> ends_;
  ring_buffer* rb_ = nullptr;
  int stop_fd_ = -1;
  int epoll_fd_ = -1;
  std::thread thread_;
};

}  // namespace profbufd::unwind
