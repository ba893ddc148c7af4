// Which queued table to build next (unwind/unwinder.h). Only tables some walk
// has needed (uw_demand) are built: a process maps dozens of libraries, and
// most never show up in a sampled stack. Among those, the one that gives back
// the most walks per second of building: demand / the size of its code, a
// build's time being about proportional to it (Smith's rule: this order
// minimizes the walks left waiting), so many small tables go before one
// compiler's; the longest queued among equals.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>

#include "unwind/process_publisher.h"

namespace profbufd::unwind {

// The entry of `queue` to build next, or queue.end() when no walk needs any.
// demand(bin) gives the walks that needed bin's table.
template <typename Demand>
std::deque<TableBuild>::iterator next_build(std::deque<TableBuild>& queue, Demand&& demand) {
  auto best = queue.end();
  double best_worth = 0;
  for (auto it = queue.begin(); it != queue.end(); ++it) {
    const std::uint64_t size = std::max<std::uint64_t>(it->entry.end - it->entry.start, 4096);
    const double worth = static_cast<double>(demand(it->bin)) / static_cast<double>(size);
    if (worth > best_worth) {
      best = it;
      best_worth = worth;
    }
  }
  return best;
}

}  // namespace profbufd::unwind
