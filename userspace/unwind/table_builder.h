// The slow half of a table build, off the unwinder's thread: reading a
// binary's CFI with libdw (unwind/cfi_rows.h) takes 10 ms for libc and up to
// seconds for a compiler on a loaded machine. The unwinder's thread hands one
// build at a time to this worker and keeps answering the walker's requests
// (publishing processes) meanwhile; the worker signals an eventfd when the
// table is ready, and the unwinder's thread loads it into the kernel.
//
// One build at a time: memory for libdw's state and one CfiTable, no more.
//
// Threads: submit(), take(), busy() and ready_fd() from the unwinder's thread
// only; the worker touches nothing but its job and the result slot (mu_).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "common/error.h"
#include "unwind/cfi_rows.h"
#include "unwind/process_publisher.h"

namespace profbufd::unwind {

class TableBuilder {
 public:
  using Work = std::function<Result<CfiTable>()>;
  struct Done {
    TableBuild build;
    Result<CfiTable> table;
    std::uint64_t build_ns;  // the worker's time on it
  };

  // Errors: the eventfd cannot be made.
  static Result<std::unique_ptr<TableBuilder>> create();
  ~TableBuilder();  // stops the worker (a build in progress finishes first)
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Readable when a result waits in take().
  int ready_fd() const { return ready_fd_; }
  // A build submitted and not yet taken.
  bool busy() const { return busy_; }
  // Starts `work` for `b`; only when !busy().
  void submit(TableBuild b, Work work);
  // The finished build, if there is one (clears ready_fd).
  std::optional<Done> take();

 private:
  explicit TableBuilder(int ready_fd);
  void run();

  const int ready_fd_;
  bool busy_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<std::pair<TableBuild, Work>> job_;  // guarded by mu_
  std::optional<Done> done_;                        // guarded by mu_
  std::thread thread_;
};

}  // namespace profbufd::unwind
