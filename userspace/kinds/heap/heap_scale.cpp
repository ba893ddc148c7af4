#include "kinds/heap/heap_scale.h"

#include <cmath>

namespace profbufd::kinds::heap {

HeapEstimate scale_heap_sample(std::uint64_t count, std::uint64_t bytes, std::uint64_t rate) {
  if (count == 0 || bytes == 0) return {};
  if (rate <= 1) return {static_cast<std::int64_t>(count), static_cast<std::int64_t>(bytes)};
  const double avg = static_cast<double>(bytes) / static_cast<double>(count);
  // -expm1(-x) is 1 - exp(-x) without the cancellation for small x.
  const double scale = 1.0 / -std::expm1(-avg / static_cast<double>(rate));
  return {static_cast<std::int64_t>(static_cast<double>(count) * scale),
          static_cast<std::int64_t>(static_cast<double>(bytes) * scale)};
}

}  // namespace profbufd::kinds::heap
