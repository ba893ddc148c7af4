// The loader thread: drains the BPF ringbuf into a SampleRouter.
//
//   BPF program --(ringbuf, NO_WAKEUP / FORCE_WAKEUP when 1/4 full)--> here
//   here --(SampleRouter::route, per record)--> per-CPU ProfBuf
//
// Why a timer: the BPF program submits without waking us (a wakeup per sample
// would be a context switch per tick per CPU), so the thread wakes every
// `period` on its own and drains whatever is there; the BPF side forces a
// wakeup only when the ring is a quarter full, so bursts drain early. The
// thread sleeps in epoll_wait on two fds: libbpf's ringbuf epoll fd (for the
// forced wakeups) and an eventfd that stop() signals.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "capture/sample_router.h"
#include "common/error.h"

struct ring_buffer;

namespace profbufd::capture {

class RingbufLoader {
 public:
  static constexpr std::chrono::milliseconds kDefaultPeriod{50};

  // `ringbuf_map_fd` is the BPF_MAP_TYPE_RINGBUF map; `router` must outlive
  // the loader.
  static Result<std::unique_ptr<RingbufLoader>> create(
      int ringbuf_map_fd, SampleRouter& router,
      std::chrono::milliseconds period = kDefaultPeriod);
  ~RingbufLoader();
  RingbufLoader(const RingbufLoader&) = delete;
  RingbufLoader& operator=(const RingbufLoader&) = delete;

  // Starts the thread. Call at most once.
  void start();
  // Stops the thread (if started) and then drains the ring once more on the
  // caller's thread, so every record submitted before stop() is routed.
  // Idempotent.
  void stop();
  // Drains the ring on the caller's thread. Only while the thread is not
  // running (ring_buffer__consume is single-consumer).
  void drain_now();

  // Drains done so far (loop iterations), and the errno of a failure that
  // ended the thread early (0 if none). Relaxed atomics written by the loader
  // thread, read by anyone; statistics only.
  std::uint64_t drains() const { return drains_.load(std::memory_order_relaxed); }
  int failed_errno() const { return failed_errno_.load(std::memory_order_relaxed); }

 private:
  RingbufLoader(SampleRouter& router, std::chrono::milliseconds period);
  static int on_record(void* ctx, void* data, std::size_t size);
  void run();
  void close_fds();

  SampleRouter& router_;
  const std::chrono::milliseconds period_;
  ring_buffer* rb_ = nullptr;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: stop() writes, the thread's epoll_wait sees it
  std::thread thread_;
  bool stopped_ = false;  // owner thread only
  std::atomic<std::uint64_t> drains_{0};
  std::atomic<int> failed_errno_{0};
};

}  // namespace profbufd::capture
