// The C library allocator's own totals, so that a growing RSS can be told apart:
// live heap (a leak, or a cache that grows), or memory the allocator keeps free.
//
//   profbufd_malloc_in_use_bytes   bytes in allocated chunks (arenas + mmap'd)
//   profbufd_malloc_free_bytes     bytes in free chunks the arenas keep
//   profbufd_malloc_mmapped_bytes  bytes in chunks mapped with mmap (large ones)
//
// From glibc's mallinfo2(), which sums every arena; one call takes each arena's
// lock in turn, so it is for a scrape, not a hot path.
#pragma once

#include <cstdint>

#include "metrics/metric_writer.h"
#include "metrics/registry.h"

namespace profbufd::metrics {

struct MallocTotals {
  std::uint64_t in_use_bytes = 0;
  std::uint64_t free_bytes = 0;
  std::uint64_t mmapped_bytes = 0;
};

MallocTotals read_malloc_totals();

void write_malloc_metrics(const MallocTotals& totals, MetricWriter& writer);

// A collector for Registry::add_collector that reads the totals at every render.
Registry::Collector malloc_collector();

}  // namespace profbufd::metrics
