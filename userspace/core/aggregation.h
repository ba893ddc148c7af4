// How the records of one kind aggregate in a window: the only thing the core
// (reader, windows) knows about what a record measures. Every profile kind
// implements it (kinds/kind.h derives from it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/record.h"

namespace profbufd {

class Aggregation {
 public:
  virtual ~Aggregation() = default;
  // Accumulators per aggregated stack, 1 to StackTable::kMaxAccumulators.
  virtual std::size_t accumulators() const { return 1; }
  // What one record adds to the accumulators of its stack (`acc` has
  // accumulators() words, zeroed). Called on the reader thread for every
  // record: must be cheap and must not block.
  virtual void accumulate(const RecordHeader& h, std::span<std::uint64_t> acc) const {
    (void)h;
    acc[0] = 1;
  }
};

}  // namespace profbufd
