// The metrics of one profbufd process, and the /metrics page made from them.
//
// Two kinds of sources end up on the page:
//   - owned families (counter(), gauge()): Counter/Gauge objects that code updates
//     from any thread as things happen (e.g. HTTP requests);
//   - collectors (add_collector()): callbacks run at every render() that write
//     numbers kept elsewhere (the pipeline's counters, /proc/self for process_*).
//
// Thread safety: every member may be called from any thread. render() runs the
// collectors one render at a time (so a collector needs no locking of its own
// against another render), on the calling thread.
//
// Lock order: collectors_mu_ is held while collectors run, families_mu_ is never
// held while they run, so a collector may call counter()/gauge(); it must not call
// add_collector(), remove_collector() or render() (that would self-deadlock).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/metric_writer.h"
#include "metrics/owned_metrics.h"

namespace profbufd::metrics {

class Registry {
 public:
  using Collector = std::function<void(MetricWriter&)>;
  using CollectorId = std::uint64_t;

  // The counter family `name` (which must end in "_total"). Declaring a name
  // again with the same type, help and label names returns the same family;
  // with anything different it throws std::logic_error. Bad names throw
  // std::invalid_argument. The reference lives as long as the registry.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         const std::vector<std::string>& label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names = {});

  // Runs `collector` at every render() from now on, until remove_collector(id).
  CollectorId add_collector(Collector collector);
  // After it returns, the collector is not running and will not run again, so
  // whatever it references may be destroyed. Unknown ids are ignored.
  void remove_collector(CollectorId id);

  // The whole page in text format 0.0.4 (serve with kContentType). Throws
  // std::logic_error when sources break the page's invariants (metric_writer.h).
  std::string render() const;

 private:
  template <typename F>
  F& declare(const std::string& name, const std::string& help,
             const std::vector<std::string>& label_names);

  mutable std::mutex families_mu_;  // guards families_
  std::map<std::string, std::unique_ptr<OwnedFamily>, std::less<>> families_;

  // Guards collectors_ and next_id_, and is held for the whole collection phase
  // of render() (what makes remove_collector() wait for a running collector).
  mutable std::mutex collectors_mu_;
  std::map<CollectorId, Collector> collectors_;
  CollectorId next_id_ = 1;
};

}  // namespace profbufd::metrics
