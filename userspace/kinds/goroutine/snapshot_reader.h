// Reads one goroutine snapshot's iterator (bpf/goroutine.bpf.c) to its end,
// a batch of threads at a time, letting the pipeline (the loader's ring, the
// per-CPU ProfBuf, the reader) take each batch before the next: each thread
// kept writes one __u64 to the iterator (the ring's fill after its record,
// or PROFBUFD_GOROUTINE_DROPPED), and a read() of `batch` words makes the
// kernel visit threads until it has that many. Takes a file descriptor so
// that tests feed it a pipe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace profbufd::kinds::goroutine {

struct SnapshotCount {
  std::uint64_t recorded = 0;  // threads whose record went into the ring
  std::uint64_t dropped = 0;   // threads whose record found the ring full
  int error = 0;  // errno of a read() that failed (the snapshot is partial); 0: complete

  // Another iterator's count added (the first error kept).
  SnapshotCount& operator+=(const SnapshotCount& o) {
    recorded += o.recorded;
    dropped += o.dropped;
    if (error == 0) error = o.error;
    return *this;
  }
};

struct SnapshotPacing {
  std::size_t batch = 64;  // threads per read(), at least 1
  // After each read() that brought threads, with the records so far: returns
  // once the pipeline has taken enough of them.
  std::function<void(std::uint64_t recorded)> after_batch = {};
};

// Reads `fd` to EOF (or an error other than EINTR).
SnapshotCount read_snapshot(int fd, const SnapshotPacing& pacing);

}  // namespace profbufd::kinds::goroutine
