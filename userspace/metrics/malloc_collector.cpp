#include "metrics/malloc_collector.h"

#include <malloc.h>

namespace profbufd::metrics {

MallocTotals read_malloc_totals() {
  const struct mallinfo2 m = ::mallinfo2();
  // uordblks counts the arenas' allocated chunks, hblkhd the mmap'd ones.
  return {.in_use_bytes = m.uordblks + m.hblkhd, .free_bytes = m.fordblks,
          .mmapped_bytes = m.hblkhd};
}

void write_malloc_metrics(const MallocTotals& t, MetricWriter& w) {
  w.gauge("profbufd_malloc_in_use_bytes",
          "Bytes in chunks allocated by the C library's malloc (arenas and mmap)",
          t.in_use_bytes);
  w.gauge("profbufd_malloc_free_bytes",
          "Bytes in free chunks that malloc's arenas keep instead of returning them",
          t.free_bytes);
  w.gauge("profbufd_malloc_mmapped_bytes", "Bytes in chunks malloc mapped with mmap",
          t.mmapped_bytes);
}

Registry::Collector malloc_collector() {
  return [](MetricWriter& w) { write_malloc_metrics(read_malloc_totals(), w); };
}

}  // namespace profbufd::metrics
