// Reads one goroutine snapshot's iterator (bpf/goroutine.bpf.c) to its end,
// a batch of threads at a time, letting the loader drain the shared ring
// between batches: each thread kept writes one __u64 to the iterator (the
// ring's fill after its record, or PROFBUFD_GOROUTINE_DROPPED), and a read()
// of `batch` words makes the kernel visit threads until it has that many.
// Takes a file descriptor so that tests feed it a pipe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace profbufd::kinds::goroutine {

struct SnapshotCount {
  std::uint64_t recorded = 0;  // threads whose record went into the ring
  std::uint64_t dropped = 0;   // threads whose record found the ring full
  int error = 0;  // errno of a read() that failed (the snapshot is partial); 0: complete
};

struct SnapshotPacing {
  std::size_t batch = 64;             // threads per read(), at least 1
  std::uint64_t drain_at_bytes = 0;   // a fill at or past this after a batch...
  std::function<void()> wait_drain = {};  // ...waits for the loader before the next
};

// Reads `fd` to EOF (or an error other than EINTR).
SnapshotCount read_snapshot(int fd, const SnapshotPacing& pacing);

}  // namespace profbufd::kinds::goroutine
