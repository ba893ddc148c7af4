#include "app/idle_books.h"

#include <algorithm>
#include <utility>

namespace profbufd {

capture::CpuIdleTimes read_idle() {
  auto t = capture::read_cpu_idle();
  return t.ok() ? std::move(t).value() : capture::CpuIdleTimes{};
}

void set_idle_end(Window& w, const capture::CpuIdleTimes& end) {
  if (w.idle_at_start.empty() || end.empty()) return;
  w.idle_ns_by_cpu.assign(std::min(end.size(), w.samples_by_cpu.size()), 0);
  for (std::size_t cpu = 0; cpu < w.idle_ns_by_cpu.size(); ++cpu)
    if (cpu < w.idle_at_start.size() && end[cpu] >= w.idle_at_start[cpu])
      w.idle_ns_by_cpu[cpu] = end[cpu] - w.idle_at_start[cpu];
}

void close_idle_books(Reader& reader, const std::shared_ptr<Window>& ended,
                      const std::shared_ptr<Window>& begun) {
  const capture::CpuIdleTimes now = read_idle();
  reader.update_open_window(ended, [&](Window& w) { set_idle_end(w, now); });
  if (begun) reader.update_open_window(begun, [&](Window& w) { w.idle_at_start = now; });
}

}  // namespace profbufd
