// What the goroutine kind asks of its BPF side: a new task iterator, to be
// read to its end (kinds/goroutine/snapshot_reader.h). An interface, so that
// the kind is tested without BPF; goroutine_attach.cpp has the real one.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "common/fd.h"

namespace profbufd::kinds::goroutine {

class TaskIterators {
 public:
  virtual ~TaskIterators() = default;
  // An iterator over the threads of process `pid`, or of every process on
  // the machine for 0. Errors: kBpfLoad (the iterator could not be made),
  // kRuntime once the capture has detached the kind.
  virtual Result<Fd> open(std::uint32_t pid) = 0;
  // Ring bytes at which the BPF side wakes the loader early (its
  // wakeup_bytes): how full the ring may get before a snapshot waits.
  virtual std::uint64_t wakeup_bytes() const = 0;
};

}  // namespace profbufd::kinds::goroutine
