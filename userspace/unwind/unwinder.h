// The unwinder's userspace half: one thread that answers the BPF walker's
// requests (bpf/unwind.bpf.h, the uw_events ring) and keeps its tables.
//
//   walker: unknown process / unknown pc --uw_events--> publish the process's
//     mappings (unwind/process_publisher.h); new binaries' tables are queued
//   bpf/process.bpf.c: exec / exit --uw_events--> forget the process
//   queue --the tables walks needed, most wanted first--> TableBuilder's
//     worker: one table at a time
//     (libdw, unwind/cfi_rows.h) --> this thread loads it (TableStore)
//
// Nothing happens on the loader's or the reader's thread. A table build (a
// quarter of a second for node, seconds for a compiler on a loaded machine)
// runs on the builder's worker, so requests are answered while it runs.
// Every few seconds it sweeps processes that are gone (an exit event can be
// lost when the ring is full) and lets quarantined table memory go free.
//
// Threads: start()/stop() and stats() from any thread; stats are copied under
// mu_ by the worker after each step.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "process/process_ends.h"
#include "unwind.h"
#include "python/map_io.h"
#include "python/processes.h"
#include "unwind/binary_index.h"
#include "unwind/cfi_rows.h"
#include "unwind/map_io.h"
#include "unwind/process_publisher.h"
#include "unwind/table_builder.h"
#include "unwind/table_store.h"

struct ring_buffer;

namespace profbufd::unwind {

struct UnwinderStats {
  TableStoreStats tables;
  PublishStats processes;
  std::uint64_t live_processes = 0;
  std::uint64_t builds = 0;          // tables built and loaded
  std::uint64_t build_unreadable = 0;  // the file could not be opened or is not ELF
  std::uint64_t build_invalid = 0;     // a table the walker's format cannot hold
  std::uint64_t build_ns = 0;        // time spent building (libdw) and loading
  std::uint64_t eh_frame_bytes = 0;  // of the tables built
  std::uint64_t cfi_refused = 0;     // CFI sections refused as hostile (unwind/cfa_scan.h)
  std::uint64_t events = 0;          // requests and process events received
  std::uint64_t pending_builds = 0;  // needed by walks: queued, building or waiting for room
  std::uint64_t unneeded_tables = 0;  // queued, but no walk has needed them yet
  uw_counters walker{};              // the BPF walker's counters, summed over CPUs
  python::ProcessStats python;       // Python processes found (python/processes.h)
  py_counters python_walker{};       // the BPF Python walker's counters, summed over CPUs
};

class Unwinder {
 public:
  struct Options {
    std::string procfs_root = "/proc";
    TableStore::Limits limits;
    // Where Python processes found are registered for the symbolizer; null:
    // Python frames are off (nothing is published to py_procs).
    std::shared_ptr<python::Registry> python;
    // Told of each exec and exit, with its time (the reader's ProcessTable
    // splits a pid's records between its programs by it); null: nobody.
    std::shared_ptr<ProcessEnds> ends;
  };
  struct Fds {
    UwMapFds maps;
    int events = -1;    // the uw_events ring
    int counters = -1;  // uw_counters (per CPU)
    int py_procs = -1;     // py_procs (bpf/python.bpf.h)
    int py_counters = -1;  // py_counters (per CPU)
  };

  static Result<std::unique_ptr<Unwinder>> create(Fds fds, Options options, const Clock& clock);
  ~Unwinder();
  Unwinder(const Unwinder&) = delete;
  Unwinder& operator=(const Unwinder&) = delete;

  // Before start(), on the caller's thread: publishes `pid` and builds the
  // tables of every binary it maps, so that its first samples do not wait for
  // them (--pid). A process that is gone is skipped (counted).
  void prime(std::uint32_t pid);
  void start();
  void stop();  // idempotent
  UnwinderStats stats() const;

 private:
  Unwinder(Fds fds, Options options, const Clock& clock);
  static int on_event(void* ctx, void* data, std::size_t size);
  void run();
  void handle(const uw_event& e);
  TableBuilder::Work work_of(const TableBuild& b) const;
  void build_now(const TableBuild& b);
  void start_build();
  void finish_build();
  void built(const TableBuild& b, Result<CfiTable> table, std::uint64_t build_ns);
  // Loads a built table, or defers it until evicted room is reusable.
  void load(const TableBuild& b, CfiTable table, std::uint64_t spent_ns);
  void retry_deferred();
  void enqueue(std::vector<TableBuild>& builds);
  int poll_timeout_ms() const;
  void sweep();
  void publish_stats();
  // Publishes pid's mappings, and its Python interpreter if it runs one.
  bool publish(std::uint32_t pid, std::uint64_t start_time, std::vector<TableBuild>& builds);
  void forget(std::uint32_t pid, bool remove);

  const Fds fds_;
  const Options options_;
  const Clock& clock_;
  BpfMapIo io_;
  TableStore store_;
  BinaryIndex binaries_;
  ProcessPublisher publisher_;
  python::BpfPyMapIo py_io_;
  std::unique_ptr<python::Processes> python_;  // null: Python frames off

  // Worker-thread state.
  ring_buffer* rb_ = nullptr;
  int epoll_fd_ = -1, stop_fd_ = -1;
  std::unique_ptr<TableBuilder> builder_;
  std::deque<TableBuild> queue_;  // in arrival order; taken by demand
  std::optional<TableBuild> take_next_build();
  struct Deferred {
    TableBuild build;
    CfiTable table;
    std::uint64_t at_ns;
  };
  std::vector<Deferred> deferred_;  // waiting for evicted room (TableStore::Published)
  std::set<std::string> queued_;  // keys of the binaries queued, building or deferred
  std::vector<uw_event> events_;  // received in the last poll
  std::uint64_t next_sweep_ns_ = 0;
  UnwinderStats local_;

  std::thread thread_;
  mutable std::mutex mu_;
  UnwinderStats shared_;  // guarded by mu_: the worker's copy after each step
};

}  // namespace profbufd::unwind
