// How the records of one kind aggregate in a window: the only thing the core
// (reader, windows) knows about what a record measures. Every profile kind
// says it (kinds/kind.h derives from Aggregation).
//
// It is data, not a per-record callback: each accumulator of a stack adds up
// either records or record values, so the reader's per-record work is a few
// adds whatever the kind, with no call into the kind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/record.h"

namespace profbufd {

// What one accumulator adds per record.
enum class Accumulate : std::uint8_t {
  kRecords,  // 1 (a CPU tick, a contention, a thread created)
  kValue,    // RecordHeader::value (bytes allocated)
  // RecordHeader::value is a span of time that ends at the record's time
  // (nanoseconds off CPU): a window takes only the part after its start, so
  // a span that began before the window is clipped to it. A late record a
  // window absorbs (time before its start, Window::absorb_earlier) counts
  // whole: its own window is gone, and tiling windows must not lose it.
  kSpan,
};

class Aggregation {
 public:
  virtual ~Aggregation() = default;
  // One entry per accumulator, 1 to StackTable::kMaxAccumulators of them.
  // Asked once, when the reader starts.
  virtual std::span<const Accumulate> accumulators() const {
    static constexpr Accumulate kCount[] = {Accumulate::kRecords};
    return kCount;
  }
};

}  // namespace profbufd
