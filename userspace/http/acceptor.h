// The thread that owns the HTTP server's sockets while no worker does: it
// accepts connections, enforces the connection cap, reads each request head
// under a whole-head deadline, and hands only complete requests to the
// worker pool. A connection comes back with its response, which is written
// here as the client takes it (under a deadline for the whole response), and
// then waits here, not on a worker, for its next request.
//
//   listen fd --accept--> waiting (EPOLLIN, deadline) --complete--> dispatch
//        |                 ^   |  deadline: 408 / idle close            |
//        |                 |   |  head too large: 431                   v
//        |                 |   '------------------------------ worker answers
//        |                 |                                  into conn->out
//        |                 | keep-alive                             |
//        |             flushing (EPOLLOUT, deadline) <-- give_back() '
//        |                     deadline: closed; done, no keep-alive: closed
//        '-- over the cap: 503, closed
//
// Why not cpp-httplib's own loop: it gives each accepted connection a worker
// thread at once, which then blocks in read() for up to its read timeout, per
// read; 16 idle sockets take every worker, and a client trickling one byte
// per timeout keeps one for ever. Here a waiting connection costs a buffer
// (at most kMaxHeadBytes + the body limit) and a deadline.
//
// Threads: run() on the acceptor thread owns `waiting_`, deadlines_ and
// open_; give_back() is called by workers and only touches returned_ (under
// mu_) and the eventfd that wakes the loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "http/connection.h"
#include "http/deadlines.h"

namespace profbufd::http {

struct AcceptorLimits {
  std::size_t max_connections = 1024;
  // From accept (or from the end of the previous response on a kept-alive
  // connection) until the whole head and small body are in.
  std::chrono::milliseconds header_timeout{5000};
  std::size_t max_head_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024;
  // From the moment a worker hands a response over until the client has
  // taken all of it.
  std::chrono::milliseconds write_timeout{5000};
};

class Acceptor {
 public:
  // Called on the acceptor thread with a connection whose conn->in starts
  // with a complete request; must not block (queue it for a worker).
  using Dispatch = std::function<void(std::unique_ptr<Connection>)>;
  // Called on the acceptor thread for every refusal (http/refusals.h).
  using Refused = std::function<void(std::string_view reason)>;

  // Takes `listen_fd` (a listening TCP socket); closes it in stop().
  Acceptor(int listen_fd, AcceptorLimits limits, Dispatch dispatch, Refused refused);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Starts the thread. Fails when epoll or eventfd cannot be created.
  Status start();
  // From a worker: conn->out holds the response (possibly empty);
  // keep_alive decides whether, once it is written, the connection waits for
  // another request or is closed. After stop(), closed at once.
  void give_back(std::unique_ptr<Connection> conn);
  // Ends the loop, closes the listening socket and every connection the
  // acceptor holds, joins the thread. Idempotent.
  void stop();
  // Connections open now, those with workers included.
  std::size_t open() const { return open_count_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  void accept_all();
  void refuse_over_limit(int fd);
  bool accept_on_reserve();
  void wait_for_request(std::unique_ptr<Connection> conn);
  void on_event(std::uint64_t id);
  void read_request(std::unique_ptr<Connection> conn);
  void check_request(std::unique_ptr<Connection> conn, bool eof);
  void flush(std::unique_ptr<Connection> conn);
  void after_response(std::unique_ptr<Connection> conn);
  void on_deadlines();
  void take_returned();
  void close_conn(std::unique_ptr<Connection> conn);

  int listen_fd_;
  const AcceptorLimits limits_;
  const Dispatch dispatch_;
  const Refused refused_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;     // eventfd: give_back() and stop() wake the loop
  int reserve_fd_ = -1;  // /dev/null, given up to accept-and-close at EMFILE

  // Acceptor thread only.
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> waiting_;
  Deadlines deadlines_;
  std::size_t open_ = 0;       // connections accepted and not yet closed
  std::uint64_t next_id_ = 2;  // 0: the listening socket, 1: wake_fd_
  // Mirrors open_ for open(); written by the acceptor thread only (relaxed:
  // a number for tests and metrics, ordering nothing).
  std::atomic<std::size_t> open_count_{0};

  std::mutex mu_;  // guards the three below
  std::vector<std::unique_ptr<Connection>> returned_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace profbufd::http
